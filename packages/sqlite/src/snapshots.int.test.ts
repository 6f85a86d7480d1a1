import { afterAll, describe, expect, it } from 'vitest';
import { createAggregateLoader, fold } from '@chronicle/core';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-snapshots');
afterAll(files.remove);

const EVENTS = 100_000;
const EVERY = 1_000;

type Added = { type: 'Added'; data: { n: number } };
let evolved = 0;
const sum = {
  initialState: () => ({ total: 0, count: 0 }),
  evolve: (state: { total: number; count: number }, event: Added) => {
    evolved++;
    return { total: state.total + event.data.n, count: state.count + 1 };
  },
};

describe('snapshots on SQLite', () => {
  it(`an aggregate of ${EVENTS} events with a snapshot every ${EVERY}: every load replays at most ${EVERY} events`, { timeout: 120_000 }, async () => {
    const store = createSqliteStore({ path: files.file(), synchronous: 'NORMAL' });
    try {
      const loader = createAggregateLoader(store, sum, { name: 'sum', schemaVersion: 1, everyEvents: EVERY });
      const replays: number[] = [];
      let version = 0;
      // The aggregate grows in appends of 250 events and is loaded after each, as a command handler would.
      for (let i = 0; i < EVENTS; i += 250) {
        const result = await store.append('big', Array.from({ length: 250 }, (_, k) => ({ type: 'Added', data: { n: i + k } })), version);
        version = result.nextExpectedVersion;
        evolved = 0;
        const loaded = await loader.load('big');
        expect(loaded.version).toBe(version);
        replays.push(evolved);
        expect(loaded.stats.replayed).toBe(evolved);
      }
      expect(Math.max(...replays)).toBeLessThanOrEqual(EVERY);
      // A fresh loader (another process) starts from the stored snapshot, too.
      evolved = 0;
      const cold = await createAggregateLoader(store, sum, { name: 'sum', schemaVersion: 1, everyEvents: EVERY }).load('big');
      expect(evolved).toBeLessThanOrEqual(EVERY);
      expect(cold.stats.snapshotVersion).toBeGreaterThanOrEqual(EVENTS - EVERY);
      expect(cold.state).toEqual(fold(sum, Array.from({ length: EVENTS }, (_, n) => ({ type: 'Added', data: { n } }) as Added)));
    } finally {
      await store.close();
    }
  });
});
