import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.store.close();
  server = undefined;
});

/** An SSE client on a raw socket: resolves `ended` when the server closes the stream. */
async function sse(url: string): Promise<{ ended: Promise<number>; destroy(): void }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  const started = Date.now();
  const ended = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  let text = '';
  socket.on('data', (chunk) => (text += String(chunk)));
  socket.write('GET /v1/subscribe HTTP/1.1\r\nhost: x\r\n\r\n');
  await vi.waitFor(() => expect(text).toContain(': connected'));
  return { ended, destroy: () => socket.destroy() };
}

describe('closing the server', () => {
  it('ends event streams at once, lets a request in flight finish, and closes within the grace', async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handling = new Promise<void>((resolve) => (entered = resolve));
    server = await startTestServer({
      shutdownGraceMs: 2_000,
      plugins: [
        (app) => {
          app.get('/slow', { schema: { hide: true } }, async () => {
            entered();
            await held;
            return { done: true };
          });
        },
      ],
    });
    const { url, app } = server;
    const readers = await Promise.all([sse(url), sse(url), sse(url)]);
    const inFlight = fetch(`${url}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await handling;
    const started = Date.now();
    const closed = app.close();
    // Streams end while the slow request is still running.
    for (const reader of readers) await reader.ended;
    expect(Date.now() - started).toBeLessThan(1_000);
    setTimeout(release, 300);
    expect(await inFlight).toEqual({ status: 200, body: { done: true } });
    await closed;
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cuts a request that outlives the grace', async () => {
    server = await startTestServer({
      shutdownGraceMs: 300,
      plugins: [(app) => void app.get('/forever', { schema: { hide: true } }, () => new Promise(() => undefined))],
    });
    const { url, app } = server;
    let requests = 0;
    app.server.on('request', () => requests++);
    const hanging = fetch(`${url}/forever`).then(
      () => 'answered',
      () => 'cut',
    );
    await vi.waitFor(() => expect(requests).toBe(1));
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await hanging).toBe('cut');
  });

  it('answers a request that arrives on an open connection while closing with problem+json 503', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    server = await startTestServer({ plugins: [(app) => void app.get('/slow', { schema: { hide: true } }, async () => (await held, { ok: true }))] });
    const { url, app } = server;
    let requests = 0;
    app.server.on('request', () => requests++);
    // A keep-alive connection with a request in flight: its next request arrives while the server closes.
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += String(chunk)));
    socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await vi.waitFor(() => expect(requests).toBe(1));
    const closed = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    await vi.waitFor(() => expect(requests).toBe(2));
    release();
    await closed;
    await vi.waitFor(() => expect(text).toContain('SHUTTING_DOWN'));
    expect(text).toMatch(/HTTP\/1.1 200 OK[\s\S]*HTTP\/1.1 503 Service Unavailable[\s\S]*application\/problem\+json[\s\S]*"requestId"/);
    socket.destroy();
  });
});
