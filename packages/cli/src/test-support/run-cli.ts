import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const main = path.join(root, 'packages/cli/src/main.ts');

/** What a CLI run printed and how it exited. */
export type CliRun = { readonly code: number; readonly stdout: string; readonly stderr: string };

/** The CLI's arguments for node (the TypeScript sources under tsx). */
function nodeArgs(args: readonly string[]): string[] {
  return ['--conditions=@chronicle/source', '--import', 'tsx', main, ...args];
}

/** Starts the CLI without waiting for it (to kill it mid-run). */
export function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, nodeArgs(args), { cwd: root, env: { ...process.env, CHRONICLE_PG_URL: '', CHRONICLE_NATS_URL: '', CHRONICLE_DATA_DIR: '' }, stdio: 'ignore' });
}

/**
 * Runs the real `chronicle` binary (TypeScript sources under tsx) as a child
 * process. CHRONICLE_PG_URL and CHRONICLE_NATS_URL are cleared unless `env` sets it, so a test picks
 * its store explicitly.
 */
export function runCli(args: readonly string[], options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const env = { ...process.env, CHRONICLE_PG_URL: '', CHRONICLE_NATS_URL: '', CHRONICLE_DATA_DIR: '', ...options.env };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      nodeArgs(args),
      { cwd: options.cwd ?? root, env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
