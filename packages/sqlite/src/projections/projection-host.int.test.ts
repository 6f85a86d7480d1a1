import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Projection, ProjectionTx, RecordedEvent } from '@chronicle/core';
import { createSqliteStore, type SqliteEventStore } from '../sqlite-store.js';
import type { SqliteDatabase } from '../sqlite-database.js';
import { tempDir } from '../test-support/temp-dir.js';

const files = tempDir('chronicle-host');
afterAll(files.remove);

/** A promise and its resolver: holds a transaction open until the test lets it go. */
function gate(): { readonly wait: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

const settledWithin = async <T>(promise: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('sqlite projection host', () => {
  it.each(['file', ':memory:'])(
    '%s: while a transaction is open across awaits, reads elsewhere see only committed data and appends wait their turn',
    async (kind) => {
      const store = createSqliteStore({ path: kind === 'file' ? files.file() : ':memory:' });
      const held = gate();
      try {
        await store.append('before', [{ type: 'A', data: {} }], 'no_stream');
        const inside = gate();
        const tx = store.projections.transaction(async (t) => {
          await t.documents.put('c', 'doc', { v: 1 });
          await t.checkpoints.advance('cp', undefined, 7);
          await t.outbox.add([{ topic: 't', type: 'T', data: {} }]);
          // The transaction's own connection sees its writes.
          expect(t.native.prepare("SELECT count(*) FROM documents WHERE collection = 'c'").pluck().get()).toBe(1);
          expect(t.native.inTransaction).toBe(true);
          expect(t.native).toBeInstanceOf(Database);
          await t.documents.put('c', 'doc', { v: 2 });
          inside.open();
          await held.wait;
        });
        await inside.wait;
        const append = store.append('during', [{ type: 'B', data: {} }], 'no_stream');
        // Outside the transaction: nothing of it is visible, and reads do not wait for it.
        expect(await store.projections.documents.get('c', 'doc')).toBeUndefined();
        expect(await store.projections.documents.count('c')).toBe(0);
        expect(await store.projections.listCheckpoints()).toEqual([]);
        expect(await store.projections.readOutbox(0, 10)).toEqual([]);
        expect((await all(store.readAll())).map((e) => e.streamId)).toEqual(['before']);
        expect(await all(store.readStream('during'))).toEqual([]);
        expect(await settledWithin(append, 100)).toBe(false);
        held.open();
        await tx;
        await append;
        expect(await store.projections.documents.get('c', 'doc')).toEqual({ v: 2 });
        expect((await all(store.readAll())).map((e) => e.streamId)).toEqual(['before', 'during']);
        // A rolled-back transaction leaves nothing, and nothing of it was ever visible.
        const failing = gate();
        const rolledBack = store.projections.transaction(async (t) => {
          await t.documents.put('c', 'doc', { v: 3 });
          await t.documents.put('c', 'other', { v: 1 });
          failing.open();
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new Error('rolled back');
        });
        await failing.wait;
        expect(await store.projections.documents.find('c')).toEqual([{ id: 'doc', document: { v: 2 } }]);
        await expect(rolledBack).rejects.toThrow('rolled back');
        expect(await store.projections.documents.find('c')).toEqual([{ id: 'doc', document: { v: 2 } }]);
      } finally {
        held.open();
        await store.close();
      }
    },
  );

  it('inline projection failing in a group commit: only its own append is rolled back (events and documents)', async () => {
    const path = files.file();
    const counts: Projection<SqliteDatabase> = {
      name: 'counts',
      async handle(events, tx) {
        for (const event of events) {
          if ((event.data as { fail?: boolean }).fail) throw new Error(`refused ${event.streamId}`);
          const current = (await tx.documents.get<number>('counts', event.streamId)) ?? 0;
          await tx.documents.put('counts', event.streamId, current + 1);
          // Hand-written SQL on the transaction's connection rolls back with it too.
          tx.native.prepare('CREATE TABLE IF NOT EXISTS custom_log (stream_id TEXT)').run();
          tx.native.prepare('INSERT INTO custom_log VALUES (?)').run(event.streamId);
        }
      },
    };
    const store = createSqliteStore({ path, projections: [counts] });
    try {
      const settled = await Promise.allSettled([
        store.append('a', [{ type: 'E', data: {} }], 'no_stream'),
        store.append('b', [{ type: 'E', data: {} }, { type: 'E', data: { fail: true } }], 'no_stream'),
        store.append('c', [{ type: 'E', data: {} }, { type: 'E', data: {} }], 'no_stream'),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused b' });
      expect(await store.projections.documents.find('counts')).toEqual([
        { id: 'a', document: 1 },
        { id: 'c', document: 2 },
      ]);
      expect(await store.getStreamInfo('b')).toBeUndefined();
      expect((await all(store.readAll())).map((e) => e.streamId)).toEqual(['a', 'c', 'c']);
      const inspect = new Database(path, { readonly: true });
      expect(inspect.prepare('SELECT stream_id FROM custom_log ORDER BY rowid').pluck().all()).toEqual(['a', 'c', 'c']);
      inspect.close();
    } finally {
      await store.close();
    }
  });

  it('built-in inline projections run before the configured ones, in the append transaction', async () => {
    const seen: string[] = [];
    const spy: Projection<SqliteDatabase> = {
      name: 'spy',
      async handle(events: readonly RecordedEvent[], tx) {
        seen.push(...events.map((e) => e.type));
        // The request index was written in this same transaction, before this projection ran.
        expect(await tx.documents.get('$requests', 'req-1')).toMatchObject({ kind: 'appended' });
      },
    };
    const store = createSqliteStore({ path: files.file(), projections: [spy] });
    try {
      await store.append('s', [{ type: 'X', data: {}, metadata: { requestId: 'req-1' } }], 'no_stream');
      expect(seen).toEqual(['X']);
    } finally {
      await store.close();
    }
  });

  it('Documents.create is first-wins across connections: racing creates from two stores on one file, exactly one per id', async () => {
    const path = files.file();
    const stores: SqliteEventStore[] = [createSqliteStore({ path }), createSqliteStore({ path })];
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `id-${i}`);
      const outcomes = await Promise.all(
        ids.flatMap((id) => stores.map((store, s) => store.projections.transaction((tx) => tx.documents.create('first', id, { s })))),
      );
      for (let i = 0; i < ids.length; i++) expect(outcomes.slice(i * 2, i * 2 + 2).filter(Boolean)).toHaveLength(1);
      expect(await stores[1]!.projections.documents.count('first')).toBe(20);
      // Checkpoint fencing across connections as well.
      const advanced = await Promise.all(stores.map((store, s) => store.projections.transaction((tx) => tx.checkpoints.advance('shared', undefined, 10 + s))));
      expect(advanced.filter(Boolean)).toHaveLength(1);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('Documents.create is first-wins across real processes: of 3 processes racing on 200 ids, exactly one wins each', { timeout: 60_000 }, async () => {
    const path = files.file();
    await createSqliteStore({ path }).close();
    const script = fileURLToPath(new URL('../test-support/create-race-child.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const children = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', script, path, '200'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
      const lines: string[] = [];
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const ready = new Promise<void>((resolve) =>
        createInterface({ input: child.stdout }).on('line', (line) => {
          lines.push(line);
          if (line === 'ready') resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { child, lines, ready, exited, stderr: () => stderr };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    for (const c of children) expect(await c.exited, c.stderr()).toBe(0);
    const wins = children.map((c) => JSON.parse(c.lines.find((l) => l.startsWith('won '))!.slice(4)) as string[]);
    const all = wins.flat();
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    const store = createSqliteStore({ path });
    try {
      const stored = new Map((await store.projections.documents.find<{ pid: number }>('race')).map((e) => [e.id, e.document.pid]));
      children.forEach((c, i) => {
        for (const id of wins[i]!) expect(stored.get(id)).toBe(c.child.pid);
      });
    } finally {
      await store.close();
    }
  });

  it('documents are read-only outside a transaction; a transaction view kept past its transaction refuses to write; a closed store refuses transactions', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    await expect(store.projections.documents.put('c', 'x', 1)).rejects.toThrow(/read-only/);
    let kept: ProjectionTx<SqliteDatabase> | undefined;
    await store.projections.transaction(async (tx) => {
      kept = tx;
    });
    await expect(kept!.documents.put('c', 'late', 1)).rejects.toThrow(/transaction is over/);
    await expect(kept!.checkpoints.advance('late', undefined, 1)).rejects.toThrow(/transaction is over/);
    await expect(kept!.outbox.add([{ topic: 't', type: 'T', data: {} }])).rejects.toThrow(/transaction is over/);
    expect(await store.projections.documents.count('c')).toBe(0);
    await store.close();
    await expect(store.projections.transaction(async () => undefined)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});
