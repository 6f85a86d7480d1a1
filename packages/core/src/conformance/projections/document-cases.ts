import { expect } from 'vitest';
import type { ProjectionCase } from './context.js';

/** Documents and transactions. */
export const documentCases: ProjectionCase[] = [
  {
    name: 'documents: put, get, getMany, delete, count and JSON round-trip',
    async run({ host, unique }) {
      const c = unique('docs');
      const doc = { name: 'Zoë 🎉', tags: ['a', 'b'], nested: { n: 1.5, nil: null }, ok: true };
      await host.transaction(async (tx) => {
        await tx.documents.put(c, 'a', doc);
        await tx.documents.putMany(c, [
          ['b', { n: 2 }],
          ['c', { n: 3 }],
        ]);
        expect(await tx.documents.get(c, 'a')).toEqual(doc);
      });
      expect(await host.documents.get(c, 'a')).toEqual(doc);
      expect(await host.documents.get(c, 'missing')).toBeUndefined();
      const many = await host.documents.getMany(c, ['a', 'c', 'missing']);
      expect([...many.keys()].sort()).toEqual(['a', 'c']);
      expect(many.get('c')).toEqual({ n: 3 });
      expect(await host.documents.count(c)).toBe(3);
      await host.transaction(async (tx) => {
        await tx.documents.put(c, 'b', { n: 20 });
        await tx.documents.delete(c, 'c');
        await tx.documents.deleteMany(c, ['a', 'missing']);
      });
      expect(await host.documents.find(c)).toEqual([{ id: 'b', document: { n: 20 } }]);
      expect(await host.documents.count(`${c}-other`)).toBe(0);
    },
  },
  {
    name: 'documents: create stores only when the id is free; of racing creates exactly one wins',
    async run({ host, unique }) {
      const c = unique('create');
      expect(await host.transaction((tx) => tx.documents.create(c, 'a', { v: 1 }))).toBe(true);
      expect(await host.transaction((tx) => tx.documents.create(c, 'a', { v: 2 }))).toBe(false);
      expect(await host.documents.get(c, 'a')).toEqual({ v: 1 });
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => host.transaction((tx) => tx.documents.create(c, 'race', { winner: i })).catch(() => false)),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await host.documents.get(c, 'race')).toEqual({ winner: outcomes.indexOf(true) });
    },
  },
  {
    name: 'documents: find lists in byte order with a literal prefix and paging',
    async run({ host, unique }) {
      const c = unique('find');
      const ids = ['B', 'a', 'a_b', 'a%c', 'ab', 'b/1', 'é', '~'];
      await host.transaction(async (tx) => tx.documents.putMany(c, ids.map((id) => [id, { id }] as const)));
      const order = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect((await host.documents.find(c)).map((e) => e.id)).toEqual(order);
      expect((await host.documents.find(c, { prefix: 'a_' })).map((e) => e.id)).toEqual(['a_b']);
      expect((await host.documents.find(c, { prefix: 'a%' })).map((e) => e.id)).toEqual(['a%c']);
      expect((await host.documents.find(c, { prefix: 'A' })).map((e) => e.id)).toEqual([]);
      expect((await host.documents.find(c, { after: 'a_b', limit: 2 })).map((e) => e.id)).toEqual(order.slice(order.indexOf('a_b') + 1, order.indexOf('a_b') + 3));
    },
  },
  {
    name: 'a transaction that throws leaves documents, checkpoints and the outbox unchanged',
    async run({ host, unique }) {
      const c = unique('rollback');
      const checkpoint = unique('cp');
      await host.transaction(async (tx) => tx.documents.put(c, 'kept', { v: 1 }));
      const outboxBefore = (await host.readOutbox(0, 1_000_000)).length;
      const failure = new Error('boom');
      await expect(
        host.transaction(async (tx) => {
          await tx.documents.put(c, 'kept', { v: 2 });
          await tx.documents.put(c, 'new', { v: 1 });
          await tx.documents.dropCollection(`${c}-x`);
          expect(await tx.checkpoints.advance(checkpoint, undefined, 10)).toBe(true);
          await tx.outbox.add([{ topic: 't', type: 'T', data: {} }]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await host.documents.find(c)).toEqual([{ id: 'kept', document: { v: 1 } }]);
      expect(await host.transaction((tx) => tx.checkpoints.get(checkpoint))).toBeUndefined();
      expect((await host.readOutbox(0, 1_000_000)).length).toBe(outboxBefore);
    },
  },
  {
    name: 'dropCollection removes a collection and nothing else',
    async run({ host, unique }) {
      const [a, b] = [unique('drop-a'), unique('drop-b')];
      await host.transaction(async (tx) => {
        await tx.documents.putMany(a, [['1', 1], ['2', 2]]);
        await tx.documents.put(b, '1', 1);
      });
      await host.transaction(async (tx) => tx.documents.dropCollection(a));
      expect(await host.documents.count(a)).toBe(0);
      expect(await host.documents.count(b)).toBe(1);
    },
  },
  {
    name: 'checkpoints advance only from the stored position; concurrent advances: exactly one wins',
    async run({ host, unique }) {
      const name = unique('cp');
      expect(await host.transaction((tx) => tx.checkpoints.advance(name, 5, 10))).toBe(false);
      expect(await host.transaction((tx) => tx.checkpoints.advance(name, undefined, 10))).toBe(true);
      expect(await host.transaction((tx) => tx.checkpoints.advance(name, undefined, 11))).toBe(false);
      expect(await host.transaction((tx) => tx.checkpoints.advance(name, 9, 11))).toBe(false);
      expect(await host.transaction((tx) => tx.checkpoints.get(name))).toBe(10);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          host
            .transaction(async (tx) => {
              if (!(await tx.checkpoints.advance(name, 10, 20 + i))) throw new Error('moved');
              return true;
            })
            .catch(() => false),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const listed = (await host.listCheckpoints()).find((c) => c.name === name);
      expect(listed?.position).toBe(20 + outcomes.indexOf(true));
      expect(listed?.updatedAt).toBeInstanceOf(Date);
      await host.deleteCheckpoint(name);
      expect((await host.listCheckpoints()).some((c) => c.name === name)).toBe(false);
    },
  },
  {
    name: 'leases are exclusive until released or expired',
    async run({ host, unique }) {
      const name = unique('lease');
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(true);
      expect(await host.leases.acquire(name, 'two', 60_000)).toBe(false);
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(true);
      await host.leases.release(name, 'two');
      expect(await host.leases.acquire(name, 'two', 60_000)).toBe(false);
      await host.leases.release(name, 'one');
      expect(await host.leases.acquire(name, 'two', 100)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(true);
    },
  },
  {
    name: 'a lease is exclusive across store instances sharing a database, and passes on once released',
    async run({ host, open, unique }) {
      const other = (await open()).projections;
      const name = unique('lease');
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(true);
      expect(await other.leases.acquire(name, 'two', 60_000)).toBe(false);
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(true);
      expect(await other.leases.acquire(name, 'two', 60_000)).toBe(false);
      await host.leases.release(name, 'one');
      expect(await other.leases.acquire(name, 'two', 60_000)).toBe(true);
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(false);
      await other.leases.release(name, 'two');
      expect(await host.leases.acquire(name, 'one', 60_000)).toBe(true);
      await host.leases.release(name, 'one');
    },
  },
];
