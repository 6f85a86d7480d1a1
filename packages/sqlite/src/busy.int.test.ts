import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-busy');
afterAll(files.remove);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Another connection (as another process would) holding the write lock until released. */
function holdWriteLock(path: string): { readonly release: () => void } {
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  other.prepare("INSERT INTO streams (stream_id, version) VALUES ('held-by-other', 1)").run();
  return {
    release: () => {
      other.exec('COMMIT');
      other.close();
    },
  };
}

/** Counts event-loop turns: it keeps counting only while nothing blocks the loop. */
function tickCounter(): { readonly stop: () => number } {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return ticks;
    },
  };
}

describe('another connection holding the lock', () => {
  it('an append waits for the write lock without blocking the event loop, then commits', async () => {
    const path = files.file();
    const store = createSqliteStore({ path });
    try {
      const lock = holdWriteLock(path);
      const ticks = tickCounter();
      const started = Date.now();
      const appending = store.append('waiting', [{ type: 'Waited', data: {} }], 'no_stream');
      await sleep(300);
      lock.release();
      const result = await appending;
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      // A blocked loop would not have ticked at all while the lock was held.
      expect(ticks.stop()).toBeGreaterThan(5);
      expect(result.nextExpectedVersion).toBe(1);
      expect(await store.getStreamInfo('held-by-other')).toEqual({ streamId: 'held-by-other', version: 1 });
    } finally {
      await store.close();
    }
  });

  it('past busyTimeoutMs an append fails with STORE_UNAVAILABLE (never SQLITE_BUSY) and writes nothing', async () => {
    const path = files.file();
    const store = createSqliteStore({ path, busyTimeoutMs: 200 });
    try {
      const lock = holdWriteLock(path);
      const error = await store.append('timed-out', [{ type: 'Never', data: {} }], 'no_stream').then(
        () => undefined,
        (e: unknown) => e as Record<string, unknown>,
      );
      lock.release();
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, outcomeUnknown: false });
      expect(await store.getStreamInfo('timed-out')).toBeUndefined();
      // The same append, retried once the lock is free, succeeds.
      expect((await store.append('timed-out', [{ type: 'Now', data: {} }], 'no_stream')).nextExpectedVersion).toBe(1);
    } finally {
      await store.close();
    }
  });
});
