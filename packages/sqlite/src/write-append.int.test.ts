import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewEvent, RecordedEvent } from '@chronicle/core';
import { createSqliteStore } from './sqlite-store.js';
import { INSERT_CHUNK } from './sql/statements.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-write');
afterAll(files.remove);

const many = (n: number): NewEvent[] => Array.from({ length: n }, (_, i) => ({ type: 'Numbered', data: { i } }));

async function read(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('writing appends in multi-row chunks', () => {
  it('an append larger than one insert chunk gets consecutive positions that match what is read back', async () => {
    const store = createSqliteStore({ path: files.file() });
    try {
      await store.append('other', many(3), 'no_stream');
      const count = INSERT_CHUNK * 3 + 5;
      const result = await store.append('big', many(count), 'no_stream');
      expect(result.events.map((e) => e.streamPosition)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(result.events.map((e) => e.globalPosition)).toEqual(Array.from({ length: count }, (_, i) => i + 4));
      expect(result.globalPosition).toBe(count + 3);
      expect(await read(store.readStream('big'))).toEqual(result.events);
      expect(await read(store.readAll({ after: 3 }))).toEqual(result.events);
    } finally {
      await store.close();
    }
  });

  it('a stored event id in a later chunk refuses the whole append, naming that id', async () => {
    const store = createSqliteStore({ path: files.file() });
    try {
      const eventId = randomUUID();
      await store.append('first', [{ type: 'Imported', data: {}, eventId }], 'no_stream');
      const head = await store.headPosition();
      const events = many(INSERT_CHUNK * 2 + 10);
      events[INSERT_CHUNK * 2 + 3] = { type: 'Imported', data: {}, eventId };
      await expect(store.append('second', events, 'no_stream')).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID', eventId });
      expect(await store.getStreamInfo('second')).toBeUndefined();
      expect(await store.headPosition()).toBe(head);
      expect((await store.append('second', many(2), 'no_stream')).events.map((e) => e.globalPosition)).toEqual([head + 1, head + 2]);
    } finally {
      await store.close();
    }
  });

  it('an append to an existing stream writes the pages a plain row insert writes: the table leaf and one leaf per unique index', async () => {
    const path = files.file();
    const store = createSqliteStore({ path });
    try {
      for (let i = 0; i < 20; i++) await store.append('paged', many(1), i === 0 ? 'no_stream' : i);
      const probe = new Database(path);
      probe.pragma('wal_checkpoint(TRUNCATE)');
      probe.close();
      // A WAL file is a 32-byte header and frames of a 24-byte header plus one page.
      const frames = (): number => Math.max(0, statSync(`${path}-wal`).size - 32) / (24 + 4096);
      const before = frames();
      const appends = 200;
      for (let i = 20; i < 20 + appends; i++) await store.append('paged', many(1), i);
      // 3 per commit, plus the odd page split; version 3 of the schema wrote 5 (the streams row and sqlite_sequence too).
      expect((frames() - before) / appends).toBeLessThan(3.5);
    } finally {
      await store.close();
    }
  });

  it('never hands out a global position twice, even after the newest events are deleted', async () => {
    const path = files.file();
    const store = createSqliteStore({ path });
    try {
      const first = await store.append('purged', many(3), 'no_stream');
      // What a retention job or a purge might do one day: delete the newest events.
      const db = new Database(path);
      db.exec("DELETE FROM events WHERE stream_id = 'purged'; DELETE FROM streams WHERE stream_id = 'purged'");
      db.close();
      const next = await store.append('after-purge', many(1), 'no_stream');
      expect(next.globalPosition).toBe(first.globalPosition + 1);
    } finally {
      await store.close();
    }
  });
});
