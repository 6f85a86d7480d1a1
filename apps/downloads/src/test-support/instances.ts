import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));

/** The API token every test instance runs with. */
export const INSTANCE_TOKEN = 'field-test-token';

/** A Downloads instance in its own process (`npm start`'s entry), as an operator runs it. */
export type Instance = {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly dataDir: string;
  /** `host:port` it listens on. */
  readonly address: string;
  output(): string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
};

/** Where the instances keep their events: one PostgreSQL database, one SQLite file, or NATS JetStream streams. */
export type SharedStore =
  | { readonly pgUrl: string }
  | { readonly sqliteFile: string }
  | { readonly nats: { readonly servers: readonly string[]; readonly stream: string; readonly replicas?: number } };

/**
 * Starts main.ts in a child process on `store`, with its own data directory,
 * and resolves once it prints its URL. `env` adds settings (clock offset,
 * leases). The instance reads the real clock unless given an offset.
 */
export async function startInstance(name: string, store: SharedStore, env: NodeJS.ProcessEnv = {}): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `downloads-${name}-`));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CHRONICLE_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', CHRONICLE_API_TOKEN: INSTANCE_TOKEN };
  delete childEnv.CHRONICLE_PG_URL;
  delete childEnv.CHRONICLE_NATS_URL;
  delete childEnv.DOWNLOADS_ALLOW_CLOCK_OVERRIDE;
  delete childEnv.CHRONICLE_NATS_STREAM;
  delete childEnv.CHRONICLE_NATS_REPLICAS;
  if ('pgUrl' in store) childEnv.CHRONICLE_PG_URL = store.pgUrl;
  else if ('nats' in store) {
    childEnv.CHRONICLE_NATS_URL = store.nats.servers.join(',');
    childEnv.CHRONICLE_NATS_STREAM = store.nats.stream;
    if (store.nats.replicas !== undefined) childEnv.CHRONICLE_NATS_REPLICAS = String(store.nats.replicas);
  } else childEnv.CHRONICLE_SQLITE_PATH = store.sqliteFile;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', main], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = once(child, 'exit');
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /Chronicle Downloads listening on (http:\/\/\S+) /.exec(output);
    if (match) {
      child.stdout!.on('data', (more) => (output += String(more)));
      return {
        name,
        url: match[1]!,
        child,
        dataDir,
        address: new URL(match[1]!).host,
        output: () => output,
        async kill(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill(signal);
            await exited;
          }
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  throw new Error(`instance ${name} exited before listening:\n${output}`);
}

/** Starts `count` instances at once. */
export function startInstances(count: number, store: SharedStore, env: (index: number) => NodeJS.ProcessEnv = () => ({})): Promise<Instance[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startInstance(`i${i + 1}`, store, env(i))));
}

/** An HTTP answer, parsed. */
export type Answer = { readonly status: number; readonly body: any; readonly headers: Headers };

/** One request to an instance (JSON in and out; the token on writes to the generic API and rules). */
export async function call(url: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${INSTANCE_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
