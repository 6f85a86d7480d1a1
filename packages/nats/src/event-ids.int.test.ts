import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsEventStore } from './nats-store.js';
import { testNats, testStores, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('NATS event id tests');

describe.skipIf(!url)('NATS store: durable event-id uniqueness (claims, not only Nats-Msg-Id)', () => {
  let stores: TestStores;
  let store: NatsEventStore;

  beforeAll(async () => {
    stores = testStores(url!, 'ids');
    store = await stores.open();
  });
  afterAll(() => stores.dispose());

  it('a stored id is refused from another store instance, on any stream', async () => {
    const eventId = randomUUID();
    await store.append(`ids-a-${eventId}`, [{ type: 'Imported', data: {}, eventId }], 'no_stream');
    const other = await stores.open();
    await expect(other.append(`ids-b-${eventId}`, [{ type: 'Again', data: {}, eventId: eventId.toUpperCase() }], 'any')).rejects.toMatchObject({
      code: 'DUPLICATE_EVENT_ID',
      eventId,
    });
    expect(await other.getStreamInfo(`ids-b-${eventId}`)).toBeUndefined();
  });

  it('the claim of a refused append is released: the same id can be appended at the right version', async () => {
    const eventId = randomUUID();
    const streamId = `ids-retry-${eventId}`;
    await store.append(streamId, [{ type: 'First', data: {} }], 'no_stream');
    await expect(store.append(streamId, [{ type: 'Late', data: {}, eventId }], 'no_stream')).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
    const result = await store.append(streamId, [{ type: 'Late', data: {}, eventId }], 1);
    expect(result.events[0]!.eventId).toBe(eventId);
  });

  it('concurrent appends of one supplied id to different streams: exactly one stores it', async () => {
    const eventId = randomUUID();
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => store.append(`ids-race-${i}-${eventId}`, [{ type: 'Once', data: { i }, eventId }], 'no_stream')),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const codes = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as { code?: string }).code] : []));
    expect(codes).toEqual(Array(5).fill('DUPLICATE_EVENT_ID'));
  });

  it("with eventIdIndex 'all', a generated id supplied again later is refused too", async () => {
    const all = await stores.open({ eventIdIndex: 'all' });
    const stored = await all.append(`ids-all-${randomUUID()}`, [{ type: 'Generated', data: {} }], 'no_stream');
    const eventId = stored.events[0]!.eventId;
    await expect(all.append(`ids-all-${randomUUID()}`, [{ type: 'Copy', data: {}, eventId }], 'any')).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID' });
  });
});
