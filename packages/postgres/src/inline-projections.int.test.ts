import { randomUUID } from 'node:crypto';
import type { Projection } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgClientLike } from './pg-types.js';
import { createPostgresStore, type PostgresEventStore } from './postgres-store.js';
import { dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';
import { collect } from './test/projection-fixtures.js';

const available = await pgAvailable();

describe.skipIf(!available)('inline projections on PostgreSQL', () => {
  const pool = testPool();
  const schema = testSchema('inline');
  let store: PostgresEventStore;

  /** Writes every event into a table of its own through `tx.native`, and refuses events marked `fail`. */
  const audit: Projection<PgClientLike> = {
    name: 'audit',
    async handle(events, tx) {
      for (const event of events) {
        if ((event.data as { fail?: boolean }).fail) throw new Error(`refused ${event.streamId}`);
        await tx.native.query({ text: `insert into "${schema}".audit (event_id, stream_id) values ($1, $2)`, values: [event.eventId, event.streamId] });
      }
    },
  };

  /** Bumps ten shared documents per append, listing them in a random order each time. */
  const shared: Projection<PgClientLike> = {
    name: 'shared',
    async handle(events, tx) {
      const ids = Array.from({ length: 10 }, (_, i) => `doc-${i}`).sort(() => Math.random() - 0.5);
      const current = await tx.documents.getMany<number>('shared', ids);
      await tx.documents.putMany('shared', ids.map((id) => [id, (current.get(id) ?? 0) + events.length] as const));
    },
  };

  beforeAll(async () => {
    store = await createPostgresStore({ pool, schema, maxConcurrentAppends: 1, projections: [audit, shared] });
    await pool.query(`create table "${schema}".audit (event_id uuid primary key, stream_id text not null)`);
  });
  afterAll(async () => {
    await store?.close();
    await pool.end();
    await dropSchema(schema);
  });

  it('concurrent appends: a failing inline projection fails only its own append; tx.native writes commit and roll back with the events', async () => {
    const streams = Array.from({ length: 30 }, (_, i) => ({ id: `s-${i}-${randomUUID().slice(0, 8)}`, fail: i % 3 === 0 }));
    const settled = await Promise.allSettled(streams.map(({ id, fail }) => store.append(id, [{ type: 'E', data: { fail } }], 'no_stream')));
    streams.forEach(({ fail }, i) => expect(settled[i]!.status, `append ${i}`).toBe(fail ? 'rejected' : 'fulfilled'));
    for (const [i, { fail }] of streams.entries()) if (fail) expect((settled[i] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/^refused/) as unknown });
    const stored = new Set((await collect(store.readAll())).map((e) => e.streamId));
    expect(streams.filter((s) => stored.has(s.id)).map((s) => s.fail)).toEqual(Array(20).fill(false));
    const audited = (await pool.query(`select stream_id from "${schema}".audit`)).rows.map((r: { stream_id: string }) => r.stream_id);
    expect(new Set(audited)).toEqual(new Set(streams.filter((s) => !s.fail).map((s) => s.id)));
  });

  it('concurrent appends upserting the same documents in different orders do not deadlock', async () => {
    const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => store.append(`race-${i}-${randomUUID().slice(0, 8)}`, [{ type: 'E', data: {} }], 'no_stream')));
    expect(settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  });
});
