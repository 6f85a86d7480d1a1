import { createInMemoryStore, type EventStore } from '@chronicle/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-server.js';

let server: TestServer;
afterEach(async () => server?.close());

const event = (type: string, n = 1) => ({ type, data: { n } });

async function append(streamId: string, ...types: string[]): Promise<void> {
  const created = await server.request('POST', `/v1/streams/${encodeURIComponent(streamId)}`, { body: { events: types.map((t) => event(t)) } });
  expect(created.status).toBe(201);
}

/** Waits until the catalog has applied everything up to the store's head. */
async function caughtUp(timeoutMs = 2_000): Promise<void> {
  const head = await server.store.headPosition();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await server.request('GET', '/v1/projections');
    const catalog = body.projections.find((p: { name: string }) => p.name === 'chronicle-catalog');
    if (catalog?.position >= head) return;
    if (Date.now() > deadline) throw new Error(`catalog at ${catalog?.position} of ${head} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('event-type and category catalog', () => {
  it('lists event types with event and stream counts, and the streams holding a type', async () => {
    server = await startTestServer();
    await append('license-1', 'LicenseAcquired', 'LicenseRenewed', 'LicenseRenewed');
    await append('license-2', 'LicenseAcquired');
    await append('account-bailey', 'LicenseActivated');
    await append('downloaded-bailey/the-crown', 'TitleDownloaded');
    await append('license-2', 'LicenseRenewed');
    await caughtUp();

    const types = await server.request('GET', '/v1/event-types');
    expect(types.status).toBe(200);
    expect(types.body.next).toBeNull();
    expect(types.body.types.map((t: { type: string; events: number; streams: number }) => [t.type, t.events, t.streams])).toEqual([
      ['LicenseAcquired', 2, 2],
      ['LicenseActivated', 1, 1],
      ['LicenseRenewed', 3, 2],
      ['TitleDownloaded', 1, 1],
    ]);
    expect(types.body.types[2]).toMatchObject({ firstPosition: 2, lastPosition: 7 });
    expect(types.body.types[2].lastRecordedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const renewed = await server.request('GET', '/v1/event-types/LicenseRenewed/streams');
    expect(renewed.body).toEqual({
      type: 'LicenseRenewed',
      streams: [
        { streamId: 'license-1', type: 'LicenseRenewed', events: 2, firstPosition: 2, lastPosition: 3 },
        { streamId: 'license-2', type: 'LicenseRenewed', events: 1, firstPosition: 7, lastPosition: 7 },
      ],
      next: null,
    });

    const categories = await server.request('GET', '/v1/categories');
    expect(categories.body.categories).toEqual([
      { category: 'account', streams: 1, events: 1, lastPosition: 5 },
      { category: 'downloaded', streams: 1, events: 1, lastPosition: 6 },
      { category: 'license', streams: 2, events: 5, lastPosition: 7 },
    ]);
  });

  it('pages, filters the streams of a type by id prefix, and handles odd type names', async () => {
    server = await startTestServer();
    for (let i = 1; i <= 5; i++) await append(`order-${i}`, 'Placed');
    await append('invoice-1', 'Placed');
    await append('odd/1', 'a/b c?d');
    await caughtUp();

    const first = await server.request('GET', '/v1/event-types/Placed/streams?limit=2');
    expect(first.body.streams.map((s: { streamId: string }) => s.streamId)).toEqual(['invoice-1', 'order-1']);
    expect(first.body.next).toBe('order-1');
    const second = await server.request('GET', `/v1/event-types/Placed/streams?limit=2&after=${first.body.next}`);
    expect(second.body.streams.map((s: { streamId: string }) => s.streamId)).toEqual(['order-2', 'order-3']);

    const prefixed = await server.request('GET', '/v1/event-types/Placed/streams?prefix=order-&after=order-3');
    expect(prefixed.body.streams.map((s: { streamId: string }) => s.streamId)).toEqual(['order-4', 'order-5']);

    const odd = await server.request('GET', `/v1/event-types/${encodeURIComponent('a/b c?d')}/streams`);
    expect(odd.body.streams).toEqual([expect.objectContaining({ streamId: 'odd/1', type: 'a/b c?d' })]);
    expect((await server.request('GET', '/v1/event-types/Nothing/streams')).body).toEqual({ type: 'Nothing', streams: [], next: null });

    const types = await server.request('GET', '/v1/event-types?limit=1');
    expect(types.body).toMatchObject({ types: [{ type: 'Placed' }], next: 'Placed' });
    expect((await server.request('GET', '/v1/event-types?after=Placed')).body.types.map((t: { type: string }) => t.type)).toEqual(['a/b c?d']);
    expect((await server.request('GET', '/v1/categories?limit=1')).body).toMatchObject({ categories: [{ category: 'invoice' }], next: 'invoice' });
  });

  it('stays correct as events arrive (live, within 2 s) and reports its lag with the projections', async () => {
    server = await startTestServer();
    await append('cart-1', 'ItemAdded');
    await caughtUp();
    await append('cart-2', 'ItemAdded', 'ItemAdded');
    await append('cart-1', 'CheckedOut');
    await caughtUp();
    const types = await server.request('GET', '/v1/event-types');
    expect(types.body.types).toEqual([
      expect.objectContaining({ type: 'CheckedOut', events: 1, streams: 1 }),
      expect.objectContaining({ type: 'ItemAdded', events: 3, streams: 2 }),
    ]);
    const { body } = await server.request('GET', '/v1/projections');
    expect(body.projections).toContainEqual(expect.objectContaining({ name: 'chronicle-catalog', kind: 'projection', lagEvents: 0, rebuildable: false }));
  });

  it('is rebuilt from its checkpoint by the next server on the same store', async () => {
    const store = createInMemoryStore();
    server = await startTestServer({ store });
    await append('a-1', 'A');
    await caughtUp();
    await server.app.close();
    await store.append('a-2', [event('A')], 'any');
    server = await startTestServer({ store });
    await caughtUp();
    expect((await server.request('GET', '/v1/event-types')).body.types).toEqual([expect.objectContaining({ type: 'A', events: 2, streams: 2 })]);
  });

  it('answers 422 NOT_SUPPORTED when disabled or when the store keeps no read models', async () => {
    server = await startTestServer({ catalog: false });
    for (const path of ['/v1/event-types', '/v1/event-types/A/streams', '/v1/categories']) {
      const response = await server.request('GET', path);
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'NOT_SUPPORTED' });
    }
    expect((await server.request('GET', '/v1/projections')).body.projections).toEqual([]);
    await server.close();

    const storeWithoutHost = createInMemoryStore();
    const bare: EventStore = {
      info: storeWithoutHost.info,
      append: (...args) => storeWithoutHost.append(...args),
      appendMulti: (...args) => storeWithoutHost.appendMulti(...args),
      readStream: (...args) => storeWithoutHost.readStream(...args),
      readAll: (...args) => storeWithoutHost.readAll(...args),
      subscribe: (...args) => storeWithoutHost.subscribe(...args),
      getStreamInfo: (...args) => storeWithoutHost.getStreamInfo(...args),
      listStreams: (...args) => storeWithoutHost.listStreams(...args),
      headPosition: () => storeWithoutHost.headPosition(),
      close: () => storeWithoutHost.close(),
    };
    server = await startTestServer({ store: bare });
    expect((await server.request('GET', '/v1/categories')).status).toBe(422);
  });

  it('rejects bad paging with 400 VALIDATION_FAILED', async () => {
    server = await startTestServer();
    for (const path of ['/v1/event-types?limit=0', '/v1/categories?limit=5000', '/v1/event-types/A/streams?sort=asc']) {
      const response = await server.request('GET', path);
      expect(response.status, path).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
