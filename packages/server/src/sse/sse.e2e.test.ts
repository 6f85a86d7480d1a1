import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../test-server.js';

// A full collection on demand (V8's gc, exposed to a fresh context without starting Node with --expose-gc).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let server: TestServer;
afterEach(async () => server?.close());

const big = (n: number) => ({ type: 'Big', data: { n, text: 'x'.repeat(2_000) } });

async function appendMany(count: number, perRequest = 100): Promise<void> {
  for (let done = 0; done < count; done += perRequest) {
    const events = Array.from({ length: Math.min(perRequest, count - done) }, (_, i) => big(done + i));
    const reply = await server.request('POST', '/v1/streams/load-1', { body: { events } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  }
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

async function metrics(): Promise<string> {
  return (await server.request('GET', '/metrics')).body as string;
}

/** An SSE request over a raw socket; `paused` never reads a byte after the headers. */
async function rawSubscribe(path: string, headers: Record<string, string> = {}): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\n${extra}\r\n`);
  await vi.waitFor(() => expect(text).toContain(': connected'), { timeout: 5_000 });
  return { socket, text: () => text, closed };
}

/** The ids of the whole messages in an SSE text, in order. */
function ids(text: string): number[] {
  return [...text.matchAll(/id: (\d+)\nevent: event\ndata: .*\n\n/g)].map((m) => Number(m[1]));
}

describe('GET /v1/subscribe with bounds', () => {
  it('disconnects a client that stops reading once its buffer is full; it resumes with Last-Event-ID, missing nothing', async () => {
    server = await startTestServer({ sse: { bufferBytes: 64 * 1024, stallTimeoutMs: 60_000 } });
    const slow = await rawSubscribe('/v1/subscribe?from=1');
    slow.socket.pause();
    await appendMany(6_000);
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_disconnects_total{reason="overflow"}')).toBe(1), { timeout: 10_000 });
    expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(0);
    slow.socket.resume();
    await slow.closed;
    const got = ids(slow.text());
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(6_000);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    // Resume where the last whole message ended.
    const last = got[got.length - 1]!;
    const resumed = await rawSubscribe('/v1/subscribe', { 'last-event-id': String(last) });
    await vi.waitFor(() => expect(ids(resumed.text()).at(-1)).toBe(6_000), { timeout: 10_000 });
    expect(ids(resumed.text())).toEqual(Array.from({ length: 6_000 - last }, (_, i) => last + 1 + i));
    resumed.socket.destroy();
  }, 30_000);

  it('disconnects a client whose socket stays full past the stall timeout', async () => {
    server = await startTestServer({ sse: { stallTimeoutMs: 300, bufferBytes: 256 * 1024 * 1024 } });
    const slow = await rawSubscribe('/v1/subscribe');
    slow.socket.pause();
    await appendMany(3_000);
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_disconnects_total{reason="stalled"}')).toBe(1), { timeout: 10_000 });
    expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(0);
    slow.socket.destroy();
  }, 30_000);

  it('frees the subscription at once on every disconnect: the gauge returns to 0', async () => {
    server = await startTestServer();
    await appendMany(200);
    const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => rawSubscribe(i % 2 ? '/v1/subscribe?from=1' : '/v1/subscribe')));
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(50));
    // Half leave while paused mid catch-up (backpressure), half while idle.
    for (const [i, client] of clients.entries()) {
      if (i % 2) client.socket.pause();
    }
    await appendMany(500);
    for (const client of clients) client.socket.destroy();
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(0), { timeout: 2_000, interval: 20 });
    expect(metric(await metrics(), 'chronicle_sse_disconnects_total{reason="client"}')).toBe(50);
  }, 30_000);

  it('keeps nothing of a closed subscription: its socket, response and connection are garbage', async () => {
    server = await startTestServer();
    // What the server holds for each connection, seen through weak references only.
    const held: WeakRef<object>[] = [];
    server.app.server.on('connection', (socket: object) => held.push(new WeakRef(socket)));
    for (let round = 0; round < 3; round++) {
      const clients = await Promise.all(Array.from({ length: 20 }, () => rawSubscribe('/v1/subscribe')));
      await appendMany(20, 10);
      for (const client of clients) client.socket.destroy();
      await Promise.all(clients.map((client) => client.closed));
    }
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(0));
    await vi.waitFor(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        collectGarbage();
        // The test's own /metrics requests may still be open; every event stream's socket must be gone.
        expect(held.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(2);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect(held.length).toBeGreaterThanOrEqual(60);
  }, 30_000);

  it('past the subscriber limit answers 503 TOO_MANY_SUBSCRIBERS with Retry-After; a freed slot is usable again', async () => {
    server = await startTestServer({ sse: { maxSubscribers: 3, retryAfterSeconds: 7 } });
    const open = await Promise.all([0, 1, 2].map(() => rawSubscribe('/v1/subscribe')));
    const refused = await server.request('GET', '/v1/subscribe');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.body).toMatchObject({ code: 'TOO_MANY_SUBSCRIBERS', limit: 3, requestId: expect.any(String) });
    expect(metric(await metrics(), 'chronicle_sse_rejected_total')).toBe(1);
    open[0]!.socket.destroy();
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(2));
    const again = await rawSubscribe('/v1/subscribe');
    for (const client of [again, ...open]) client.socket.destroy();
  });

  it('many racing requests never pass the limit together', async () => {
    server = await startTestServer({ sse: { maxSubscribers: 5 } });
    const controllers = Array.from({ length: 30 }, () => new AbortController());
    const statuses = await Promise.all(controllers.map((c) => fetch(`${server.url}/v1/subscribe`, { signal: c.signal }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 503)).toHaveLength(25);
    for (const c of controllers) c.abort();
    await vi.waitFor(async () => expect(metric(await metrics(), 'chronicle_sse_subscribers')).toBe(0));
  });

  it('clients resuming a little behind catch up from the feed, not the store; far behind, they read it 4 at a time', async () => {
    let reads = 0;
    let concurrent = 0;
    let peak = 0;
    const { createInMemoryStore } = await import('@chronicle/core');
    const inner = createInMemoryStore();
    const store = new Proxy(inner, {
      get(target, key, receiver) {
        if (key !== 'readAll') return Reflect.get(target, key, receiver);
        return (options: Parameters<typeof inner.readAll>[0]) => {
          reads++;
          return (async function* () {
            peak = Math.max(peak, ++concurrent);
            try {
              yield* target.readAll(options);
            } finally {
              concurrent--;
            }
          })();
        };
      },
    });
    server = await startTestServer({ store });
    const live = await rawSubscribe('/v1/subscribe');
    // 2,500 events of 2 KB: more than the 4 MiB of recent batches the feed keeps.
    await appendMany(2_500);
    await vi.waitFor(() => expect(ids(live.text()).at(-1)).toBe(2_500), { timeout: 10_000 });
    reads = 0;
    const resumed = await Promise.all(Array.from({ length: 20 }, () => rawSubscribe('/v1/subscribe', { 'last-event-id': '2450' })));
    for (const client of resumed) await vi.waitFor(() => expect(ids(client.text())).toEqual(Array.from({ length: 50 }, (_, i) => 2_451 + i)));
    expect(reads).toBe(0);
    const far = await Promise.all(Array.from({ length: 20 }, () => rawSubscribe('/v1/subscribe?from=1')));
    for (const client of far) await vi.waitFor(() => expect(ids(client.text())).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1)), { timeout: 20_000 });
    expect(reads).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);
    for (const client of [live, ...resumed, ...far]) client.socket.destroy();
  }, 30_000);

  it('delivers catch-up then live to filtered and unfiltered subscribers, each event once, in order', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/mix-1', { body: { events: [{ type: 'A', data: {} }, { type: 'B', data: {} }] } });
    const all = await rawSubscribe('/v1/subscribe?from=1');
    const onlyB = await rawSubscribe('/v1/subscribe?from=1&types=B');
    for (let i = 0; i < 20; i++) await server.request('POST', '/v1/streams/mix-1', { body: { events: [{ type: i % 2 ? 'A' : 'B', data: { i } }] } });
    await vi.waitFor(() => expect(ids(all.text())).toEqual(Array.from({ length: 22 }, (_, i) => i + 1)));
    await vi.waitFor(() => expect(ids(onlyB.text())).toEqual([2, ...Array.from({ length: 10 }, (_, i) => 3 + 2 * i)]));
    all.socket.destroy();
    onlyB.socket.destroy();
  });
});
