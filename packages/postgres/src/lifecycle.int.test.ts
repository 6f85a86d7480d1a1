import { randomUUID } from 'node:crypto';
import type { ArchivableStore, EventStore, ProjectionHost, StreamLifecycle } from '@chronicle/core';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { PgClientLike } from './pg-types.js';
import { createPostgresStore, type PostgresEventStore } from './postgres-store.js';
import { pgAvailable, useTestStore } from './test/pg-test-support.js';
import { collect } from './test/projection-fixtures.js';

const available = await pgAvailable();

describe('public types', () => {
  it('the store is an event store with lifecycle, archive and a projection host whose native handle is the pg client', () => {
    expectTypeOf(createPostgresStore).returns.resolves.toEqualTypeOf<PostgresEventStore>();
    expectTypeOf<PostgresEventStore>().toExtend<EventStore & StreamLifecycle & ArchivableStore>();
    expectTypeOf<PostgresEventStore['projections']>().toExtend<ProjectionHost<PgClientLike>>();
  });
});

describe.skipIf(!available)('stream lifecycle under group commit', () => {
    // One transaction at a time: concurrent appends queue and go as one batch.
  const fixture = useTestStore('lifecycle', { store: { maxConcurrentAppends: 1 } });
  const { pool, schema } = fixture;
  let store: PostgresEventStore;
  beforeAll(() => {
    store = fixture.store;
  });

  it('in one batch, appends to a tombstoned stream fail with STREAM_DELETED, a soft-deleted one is recreated, others succeed', async () => {
    const [hard, soft, other] = [`hard-${randomUUID()}`, `soft-${randomUUID()}`, `other-${randomUUID()}`];
    await store.append(hard, [{ type: 'A', data: {} }], 'no_stream');
    await store.append(soft, [{ type: 'A', data: {} }, { type: 'B', data: {} }], 'no_stream');
    await store.deleteStream(hard, { mode: 'hard' });
    await store.deleteStream(soft);
    const blocker = store.append(`blocker-${randomUUID()}`, [{ type: 'X', data: {} }], 'any');
    const batch = await Promise.allSettled([
      store.append(hard, [{ type: 'C', data: {} }], 'any'),
      store.append(soft, [{ type: 'C', data: {} }], 'no_stream'),
      store.append(other, [{ type: 'C', data: {} }], 'no_stream'),
      store.append(hard, [{ type: 'D', data: {} }], 'no_stream'),
    ]);
    await blocker;
    expect(batch.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code))).toEqual(['STREAM_DELETED', 'ok', 'ok', 'STREAM_DELETED']);
    expect((batch[1] as PromiseFulfilledResult<{ nextExpectedVersion: number }>).value.nextExpectedVersion).toBe(4);
    expect((await collect(store.readStream(soft))).map((e) => [e.type, e.streamPosition])).toEqual([['C', 4]]);
    await expect(collect(store.readStream(hard))).rejects.toMatchObject({ code: 'STREAM_DELETED' });
  });

  it('metadata is stored as normalized JSON and cleared by setting {}', async () => {
    const id = `meta-${randomUUID()}`;
    await store.append(id, [1, 2, 3].map((n) => ({ type: 'N', data: n })), 'no_stream');
    await store.setStreamMetadata(id, { maxCount: 2, custom: { tier: 'gold' } });
    expect(await store.getStreamMetadata(id)).toEqual({ maxCount: 2, custom: { tier: 'gold' } });
    expect((await collect(store.readStream(id))).map((e) => e.data)).toEqual([2, 3]);
    await store.setStreamMetadata(id, {});
    expect(await store.getStreamMetadata(id)).toEqual({});
    expect((await collect(store.readStream(id))).map((e) => e.data)).toEqual([1, 2, 3]);
  });
});
