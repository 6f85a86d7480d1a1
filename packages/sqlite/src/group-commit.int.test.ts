import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppendResult, EventStore, NewEvent } from '@chronicle/core';
import type { AppendHook } from './sqlite-store-options.js';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-group-commit');
afterAll(files.remove);

const one = (tag: string, type = 'Happened'): NewEvent[] => [{ type, data: { tag } }];

/**
 * Counts write transactions from inside them. Hooks of one group may run
 * across awaits (inline projections are async), so a group is recognized by
 * the database state it runs on: `data_version`, seen from a connection of
 * its own, changes with every commit of the store and never within one.
 */
function transactionCounter(path: string): { readonly hook: AppendHook; readonly count: () => number; readonly close: () => void } {
  let count = 0;
  let seen: unknown;
  let observer: Database.Database | undefined;
  return {
    hook: () => {
      observer ??= new Database(path, { readonly: true });
      const version = observer.pragma('data_version', { simple: true });
      if (version === seen) return;
      seen = version;
      count++;
    },
    count: () => count,
    close: () => observer?.close(),
  };
}

function codeOf(result: PromiseSettledResult<unknown>): string {
  return result.status === 'fulfilled' ? 'ok' : String((result.reason as { code?: unknown }).code);
}

async function versionOf(store: EventStore, streamId: string): Promise<number> {
  return (await store.getStreamInfo(streamId))?.version ?? 0;
}

describe('group commit', () => {
  it('appends submitted together share one transaction, and each resolves only once it is committed', async () => {
    const path = files.file();
    const transactions = transactionCounter(path);
    const store = createSqliteStore({ path, onAppend: [transactions.hook] });
    const observer = new Database(path, { readonly: true });
    const count = observer.prepare('SELECT count(*) FROM events WHERE stream_id = ?').pluck();
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `together-${i}`);
      const visibleAtResolve = await Promise.all(
        ids.map((id) => store.append(id, one(id), 'no_stream').then(() => count.get(id))),
      );
      expect(transactions.count()).toBe(1);
      // Another connection already sees each append when its promise resolves: COMMIT came first.
      expect(visibleAtResolve).toEqual(ids.map(() => 1));
    } finally {
      observer.close();
      await store.close();
      transactions.close();
    }
  });

  it('a conflicting append in a group fails alone; the others, before and after it, commit', async () => {
    const path = files.file();
    const transactions = transactionCounter(path);
    const store = createSqliteStore({ path, onAppend: [transactions.hook] });
    try {
      await store.append('x', one('seed'), 'no_stream');
      const before = transactions.count();
      const head = await store.headPosition();
      const settled = await Promise.allSettled([
        store.append('a', one('a'), 'no_stream'),
        store.append('x', one('stale'), 0),
        store.append('b', one('b'), 'no_stream'),
        store.append('x', one('winner'), 1),
        store.append('x', one('too late'), 1),
        store.append('x', one('next'), 2),
        store.append('c', one('c'), 'stream_exists'),
      ]);
      expect(settled.map(codeOf)).toEqual(['ok', 'WRONG_EXPECTED_VERSION', 'ok', 'ok', 'WRONG_EXPECTED_VERSION', 'ok', 'WRONG_EXPECTED_VERSION']);
      expect(transactions.count() - before).toBe(1);
      const tags: string[] = [];
      for await (const event of store.readStream('x')) tags.push((event.data as { tag: string }).tag);
      expect(tags).toEqual(['seed', 'winner', 'next']);
      expect(await store.getStreamInfo('c')).toBeUndefined();
      // The rejected appends used no positions: the four accepted ones are contiguous after the head.
      const positions = settled.flatMap((s) => (s.status === 'fulfilled' ? [(s.value as AppendResult).globalPosition] : []));
      expect(positions).toEqual([head + 1, head + 2, head + 3, head + 4]);
    } finally {
      await store.close();
      transactions.close();
    }
  });

  it('a hook that throws (an inline projection) aborts only its own append, including what the hook wrote', async () => {
    const path = files.file();
    const setup = new Database(path);
    setup.exec('CREATE TABLE projected (event_id TEXT PRIMARY KEY, stream_id TEXT NOT NULL)');
    setup.close();
    const project: AppendHook = (db, results) => {
      const insert = db.prepare('INSERT INTO projected (event_id, stream_id) VALUES (?, ?)');
      for (const result of results) for (const event of result.events) insert.run(event.eventId, event.streamId);
      if (results.some((r) => r.events.some((e) => e.type === 'Poison'))) throw new Error('projection failed');
    };
    const store = createSqliteStore({ path, onAppend: [project] });
    try {
      const settled = await Promise.allSettled([
        store.append('good-1', one('g1'), 'no_stream'),
        store.append('bad', one('b', 'Poison'), 'no_stream'),
        store.append('good-2', one('g2'), 'no_stream'),
      ]);
      expect(settled.map((s) => (s.status === 'fulfilled' ? 'ok' : (s.reason as Error).message))).toEqual(['ok', 'projection failed', 'ok']);
      // Alone in its transaction (no savepoint needed), a failing hook rolls back just the same.
      await expect(store.append('bad', one('again', 'Poison'), 'no_stream')).rejects.toThrow('projection failed');
      expect(await store.getStreamInfo('bad')).toBeUndefined();
      const reader = new Database(path, { readonly: true });
      expect(reader.prepare('SELECT stream_id FROM projected ORDER BY stream_id').pluck().all()).toEqual(['good-1', 'good-2']);
      reader.close();
      expect((await store.append('bad', one('fixed'), 'no_stream')).nextExpectedVersion).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('a duplicate event id fails only its append, even when the first use is earlier in the same group', async () => {
    const store = createSqliteStore({ path: files.file() });
    try {
      const eventId = randomUUID();
      const settled = await Promise.allSettled([
        store.append('first', [{ type: 'Imported', data: {}, eventId }], 'no_stream'),
        store.append('second', [{ type: 'Other', data: {} }, { type: 'Imported', data: {}, eventId }], 'no_stream'),
        store.append('third', one('t'), 'no_stream'),
      ]);
      expect(settled.map(codeOf)).toEqual(['ok', 'DUPLICATE_EVENT_ID', 'ok']);
      expect(await store.getStreamInfo('second')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('a multi-stream append in a group is all or nothing, and does not affect its neighbours', async () => {
    const store = createSqliteStore({ path: files.file() });
    try {
      await store.append('taken', one('seed'), 'no_stream');
      const settled = await Promise.allSettled([
        store.append('left', one('l'), 'no_stream'),
        store.appendMulti([
          { streamId: 'multi-a', events: one('ma'), expectedVersion: 'no_stream' },
          { streamId: 'taken', events: one('mt'), expectedVersion: 'no_stream' },
        ]),
        store.appendMulti([
          { streamId: 'multi-b', events: one('mb'), expectedVersion: 'no_stream' },
          { streamId: 'taken', events: one('mt2'), expectedVersion: 1 },
        ]),
        store.append('right', one('r'), 'no_stream'),
      ]);
      expect(settled.map(codeOf)).toEqual(['ok', 'WRONG_EXPECTED_VERSION', 'ok', 'ok']);
      expect(await store.getStreamInfo('multi-a')).toBeUndefined();
      expect(await versionOf(store, 'multi-b')).toBe(1);
      expect(await versionOf(store, 'taken')).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('sequential writers running side by side share transactions', async () => {
    const path = files.file();
    const transactions = transactionCounter(path);
    const store = createSqliteStore({ path, onAppend: [transactions.hook] });
    try {
      const writers = 8;
      const perWriter = 20;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) await store.append(`writer-${w}`, one(`${i}`), i);
        }),
      );
      // One fsync per round of the eight writers, not one per append.
      expect(transactions.count()).toBeLessThanOrEqual(perWriter * 2);
      for (let w = 0; w < writers; w++) expect(await versionOf(store, `writer-${w}`)).toBe(perWriter);
    } finally {
      await store.close();
      transactions.close();
    }
  });

  it('close() lets appends already accepted commit; appends after it fail with STORE_CLOSED', async () => {
    const path = files.file();
    const store = createSqliteStore({ path });
    const accepted = Array.from({ length: 10 }, (_, i) => store.append(`pending-${i}`, one('p'), 'no_stream'));
    const closing = store.close();
    await expect(store.append('late', one('l'), 'no_stream')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect((await Promise.allSettled(accepted)).map(codeOf)).toEqual(Array(10).fill('ok'));
    await closing;
    const reopened = createSqliteStore({ path });
    expect(await reopened.headPosition()).toBe(10);
    await reopened.close();
  });
});
