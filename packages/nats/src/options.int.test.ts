import { afterAll, describe, expect, it } from 'vitest';
import { createNatsStore } from './nats-store.js';
import { deleteStreams, testNats, uniqueLayout } from './test-support/nats-test-env.js';

const url = await testNats('NATS option tests');
const layout = uniqueLayout('options');

describe.skipIf(!url)('NATS store: options', () => {
  afterAll(() => deleteStreams(url!, layout.stream));

  it('declares maxEventBytes from the server max_payload, and refuses a larger one', async () => {
    const store = await createNatsStore({ servers: url!, ...layout });
    expect(store.info).toEqual({ name: 'nats', multiStreamAppend: true, maxEventBytes: 1024 * 1024 - 24 * 1024 });
    await store.close();
    await expect(createNatsStore({ servers: url!, ...layout, maxEventBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const smaller = await createNatsStore({ servers: url!, ...layout, maxEventBytes: 1_000 });
    await expect(smaller.append('s', [{ type: 'T', data: 'x'.repeat(1_000) }], 'any')).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await smaller.close();
  });

  it('fails with STORE_UNAVAILABLE when no server answers', async () => {
    await expect(createNatsStore({ servers: 'nats://127.0.0.1:1', requestTimeoutMs: 500 })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('a closed store refuses appendMulti with STORE_CLOSED', async () => {
    const store = await createNatsStore({ servers: url!, ...layout });
    const parts = [{ streamId: 'a', events: [{ type: 'T', data: 1 }], expectedVersion: 'any' as const }];
    await store.close();
    await expect(store.appendMulti(parts)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});
