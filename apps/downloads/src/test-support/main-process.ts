import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));

/** `npm start` without npm: main.ts in a process of its own. */
export type MainProcess = {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Only what it printed on stderr. */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and how long after `since` it came. */
  exited(since?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
};

/** The environment main.ts gets: a data directory, an ephemeral port, no PostgreSQL, NATS or token unless given. */
function environment(dataDir: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHRONICLE_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  delete env.CHRONICLE_PG_URL;
  delete env.CHRONICLE_NATS_URL;
  delete env.CHRONICLE_NATS_STREAM;
  delete env.CHRONICLE_NATS_REPLICAS;
  delete env.CHRONICLE_API_TOKEN;
  return { ...env, ...extra };
}

/** Every main.ts this test file spawned that has not exited yet. */
const alive = new Set<ChildProcess>();

/**
 * SIGKILLs every main.ts this file spawned that is still running (a test that failed before its own kill leaves
 * one behind); call it from `afterEach`.
 */
export async function killLeftoverMains(): Promise<void> {
  const leftovers = [...alive];
  for (const child of leftovers) child.kill('SIGKILL');
  await Promise.all(leftovers.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
}

/** Spawns main.ts on `dataDir` with `extraEnv` and `args`. */
export function spawnMain(dataDir: string, extraEnv: NodeJS.ProcessEnv = {}, ...args: string[]): MainProcess {
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', main, ...args], {
    env: environment(dataDir, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => {
    output += String(chunk);
    stderr += String(chunk);
  });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    output: () => output,
    stderr: () => stderr,
    async exited(since = Date.now()) {
      const [code, signal] = await exit;
      return { code, signal, afterMs: Date.now() - since };
    },
  };
}

/** A started main.ts and the URL it printed. */
export type RunningMain = MainProcess & { readonly url: string };

/** Spawns main.ts and resolves once it printed its banner; rejects with its output if it exits first. */
export async function startMain(dataDir: string, extraEnv: NodeJS.ProcessEnv = {}, ...args: string[]): Promise<RunningMain> {
  const started = spawnMain(dataDir, extraEnv, ...args);
  const banner = /Chronicle Downloads listening on (http:\/\/\S+) \(store: (.+)\)\n(?:.*\n)*  API token.*\n/;
  const url = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const match = banner.exec(started.output());
      if (match) resolve(match[1]!);
    };
    started.child.stdout!.on('data', check);
    void started.exited().then(({ code }) => reject(new Error(`main.ts exited (${code}) before listening:\n${started.output()}`)));
  });
  return { ...started, url };
}
