import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const tsx = createRequire(import.meta.url).resolve('tsx');

/** Runs a TypeScript file of this repository in a child Node process (tsx, sources of the workspace packages). */
export function spawnTs(
  file: string,
  args: readonly string[],
): { readonly child: ChildProcess; readonly ready: Promise<void> } {
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', tsx, file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready };
}

/** Kills with SIGKILL and waits for the exit. */
export async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
