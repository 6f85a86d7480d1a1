import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { startChild } from './test-support/child.js';
import { compileForNode } from './test-support/compile-for-node.js';
import { tempDir } from './test-support/temp-dir.js';

const EVENTS = 1_000_000;
const files = tempDir('chronicle-large');
let compiled = '';

beforeAll(() => {
  mkdirSync(join(files.dir, 'build'));
  compiled = compileForNode(join(files.dir, 'build'));
});
afterAll(files.remove);

/**
 * Writes `count` events into one stream with a single SQL statement, in the
 * store's own schema: far faster than appending them, and the read path under
 * test does not care how the rows got there.
 */
function fillStream(path: string, streamId: string, count: number): void {
  void createSqliteStore({ path }).close();
  const db = new Database(path);
  try {
    db.pragma('synchronous = OFF');
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
         INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata, recorded_at)
         SELECT ?, n, printf('%08x-0000-7000-8000-%012x', n, n), 'Counted',
                '{"n":' || n || ',"note":"an event of a realistic size, with a little text in it"}', '{}', 1700000000000 + n
         FROM seq`,
      ).run(count, streamId);
      db.prepare('INSERT INTO streams (stream_id, version) VALUES (?, ?)').run(streamId, count);
    })();
  } finally {
    db.close();
  }
}

describe('reading a very long stream', () => {
  it(`folds a ${EVENTS.toLocaleString('en-US')}-event stream in a plain node process under 100 MB RSS`, { timeout: 90_000 }, async () => {
    const path = files.file('large.db');
    fillStream(path, 'big', EVENTS);
    const child = startChild(join(compiled, 'test-support/fold-child.js'), [path, 'big']);
    const line = await child.waitFor('result ');
    expect(await child.exited).toMatchObject({ code: 0 });
    const result = JSON.parse(line.slice('result '.length)) as { count: number; sum: number; startRss: number; peakRss: number };
    expect(result.count).toBe(EVENTS);
    expect(result.sum).toBe((EVENTS * (EVENTS + 1)) / 2);
    expect(result.peakRss).toBeLessThan(100 * 1024 * 1024);
    console.log(`peak RSS ${(result.peakRss / 2 ** 20).toFixed(1)} MiB (at start ${(result.startRss / 2 ** 20).toFixed(1)} MiB)`);
  });
});
