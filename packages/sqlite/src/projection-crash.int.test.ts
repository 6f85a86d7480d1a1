import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-projection-crash');
afterAll(files.remove);

const CHILD = fileURLToPath(new URL('./test-support/projection-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EVENTS = 20_000;
const STREAMS = 97;
const KILLS = 10;
const BATCH = 200;

type Run = { readonly lines: string[]; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string };

/** Runs the child; when `killAfterBatches` is set, SIGKILLs it a random 0–5 ms after that many committed-batch lines. */
function runChild(path: string, killAfterBatches?: number): Promise<Run> {
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', CHILD, path, String(BATCH)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let batches = 0;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (killAfterBatches !== undefined && line.startsWith('batch ') && ++batches === killAfterBatches) {
      setTimeout(() => child.kill('SIGKILL'), Math.random() * 5);
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ lines, code, signal, stderr })));
}

describe('async projection under SIGKILL', () => {
  it(`killed ${KILLS} times at random points while catching up ${EVENTS} events, the read model equals a from-scratch replay`, { timeout: 180_000 }, async () => {
    const path = files.file('crash.db');
    const store = createSqliteStore({ path });
    for (let i = 0; i < EVENTS; i += 500) {
      await store.appendMulti(
        Array.from({ length: 5 }, (_, k) => ({
          streamId: `s-${(i / 100 + k) % STREAMS}`,
          events: Array.from({ length: 100 }, (_, j) => ({ type: 'Counted', data: { n: i + k * 100 + j } })),
          expectedVersion: 'any' as const,
        })),
      );
    }
    // The expected read model, by replaying the log from scratch in this process.
    const expected = new Map<string, { count: number; last: number }>();
    for await (const event of store.readAll()) {
      const doc = expected.get(event.streamId);
      expected.set(event.streamId, { count: (doc?.count ?? 0) + 1, last: event.streamPosition });
    }
    await store.close();

    const totalBatches = EVENTS / BATCH;
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      // Kill somewhere in the next stretch of batches (each run resumes from the checkpoint).
      const after = 1 + Math.floor(Math.random() * (totalBatches / KILLS / 2));
      const run = await runChild(path, after);
      expect(run.signal, run.stderr).toBe('SIGKILL');
      killedAt.push(Number(run.lines.filter((l) => l.startsWith('batch ')).pop()?.slice(6)));
    }
    const finished = await runChild(path);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.lines.at(-1)).toBe(`done ${EVENTS}`);
    // Progress was made across the kills: each run resumed from the checkpoint, not from the start.
    expect(killedAt.every((position, i) => i === 0 || position >= killedAt[i - 1]!)).toBe(true);

    const reopened = createSqliteStore({ path });
    try {
      const actual = new Map((await reopened.projections.documents.find<{ count: number; last: number }>('per-stream-count')).map((e) => [e.id, e.document]));
      expect(actual).toEqual(expected);
      expect([...actual.values()].reduce((sum, doc) => sum + doc.count, 0)).toBe(EVENTS);
      expect((await reopened.projections.listCheckpoints()).find((c) => c.name === 'per-stream-count')?.position).toBe(EVENTS);
    } finally {
      await reopened.close();
    }
  });
});
