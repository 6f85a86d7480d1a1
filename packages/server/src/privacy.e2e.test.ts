import { createInMemoryStore, documentKeyStore, REDACTED, withCryptoShredding } from '@chronicle/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Reads Server-Sent Events until `count` events arrived. */
async function sse(url: string, count: number): Promise<Array<{ streamId: string; data: Record<string, unknown> }>> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: Array<{ streamId: string; data: Record<string, unknown> }> = [];
  while (events.length < count) {
    const match = /id: (\d+)\nevent: event\ndata: (.*)\n\n/.exec(buffer);
    if (match) {
      buffer = buffer.slice(match.index + match[0].length);
      events.push(JSON.parse(match[2]!) as (typeof events)[number]);
      continue;
    }
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return events;
}

describe('crypto-shredding through the HTTP API', () => {
  it('a forgotten subject reads as redacted on every read path; others and the history stay', async () => {
    const base = createInMemoryStore();
    const store = withCryptoShredding(base, {
      keys: documentKeyStore(base.projections),
      personal: { CustomerRegistered: { subject: (data) => String(data.customerId), fields: ['name', 'email'] } },
      cacheTtlMs: 0,
    });
    const customer = {
      initialState: () => ({ name: '', email: '', plan: '' }),
      evolve: (_: unknown, event: { data: Record<string, unknown> }) => ({ name: event.data.name, email: event.data.email, plan: event.data.plan }),
    };
    server = await startTestServer({ store, stateModels: { customer } });
    const register = (id: string, name: string) =>
      server!.request('POST', `/v1/streams/customer-${id}`, {
        body: { events: [{ type: 'CustomerRegistered', data: { customerId: id, name, email: `${name.toLowerCase()}@example.com`, plan: 'gold' } }] },
      });
    expect((await register('c1', 'Ann')).status).toBe(201);
    expect((await register('c2', 'Bob')).status).toBe(201);
    expect((await server.request('GET', '/v1/streams/customer-c1')).body.events[0].data.name).toBe('Ann');
    // At rest the fields are sealed: the raw store holds no plaintext.
    const raw: unknown[] = [];
    for await (const event of base.readAll()) raw.push(event.data);
    const stored = JSON.stringify(raw);
    expect(stored).not.toContain('Ann');
    expect(stored).not.toContain('ann@example.com');

    expect(await store.forgetSubject('c1')).toBe(true);

    const stream = await server.request('GET', '/v1/streams/customer-c1');
    expect(stream.body.events[0].data).toEqual({ customerId: 'c1', name: REDACTED, email: REDACTED, plan: 'gold' });
    const all = await server.request('GET', '/v1/all?from=1');
    expect(all.body.events.map((e: { data: { name: string } }) => e.data.name)).toEqual([REDACTED, 'Bob']);
    const state = await server.request('GET', '/v1/streams/customer-c1/state');
    expect(state.body.state).toEqual({ name: REDACTED, email: REDACTED, plan: 'gold' });
    const live = await sse(`${server.url}/v1/subscribe?from=1`, 2);
    expect(live.map((e) => e.data.name)).toEqual([REDACTED, 'Bob']);
    expect(JSON.stringify([stream.body, all.body, state.body, live])).not.toMatch(/Ann|ann@example\.com/);

    // New personal data for the forgotten subject is refused, and nothing is written.
    const head = await base.headPosition();
    const refused = await register('c1', 'Ann');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.body.code).toBe('SUBJECT_FORGOTTEN');
    expect(await base.headPosition()).toBe(head);
  });
});
