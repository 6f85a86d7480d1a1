import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process speaking in lines on stdout. */
export type Child = {
  readonly process: ChildProcess;
  /** Every complete stdout line so far (a line cut off by a kill is not included). */
  readonly lines: string[];
  /** Resolves with the first line starting with `prefix` (including lines already received). */
  readonly waitFor: (prefix: string) => Promise<string>;
  /** Writes a line to the child's stdin. */
  readonly send: (line: string) => void;
  /** Exit code and signal, once the child has exited and its output is read. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }>;
};

/** Starts `node script ...args` (a compiled script: see compile-for-node). */
export function startChild(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const reader = createInterface({ input: child.stdout });
  reader.on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!line.startsWith(waiter.prefix)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const closed = new Promise<void>((resolve) => reader.on('close', resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  ).then(async (status) => {
    await closed;
    return { ...status, stderr };
  });
  return {
    process: child,
    lines,
    waitFor: (prefix) => {
      const seen = lines.find((line) => line.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve });
        void exited.then(({ code, signal, stderr: err }) =>
          reject(new Error(`child exited (code ${code}, signal ${signal}) before printing "${prefix}": ${err}`)),
        );
      });
    },
    send: (line) => child.stdin.write(`${line}\n`),
    exited,
  };
}
