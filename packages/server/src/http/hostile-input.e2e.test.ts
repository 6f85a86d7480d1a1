import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-server.js';

type Reply = { status: number; headers: Headers; body: any };

/** Sends raw bytes and parses the status line, headers and JSON body of the answer. */
async function raw(url: string, request: string): Promise<{ status: number; headers: Record<string, string>; body: any }> {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined); // the server closes after answering; what it sent is what counts
  socket.write(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : undefined };
}

/** A problem+json answer whose body carries the request id of its `x-request-id` header. */
function expectProblem(reply: Reply | { status: number; headers: Record<string, string>; body: any }, status: number, code: string): void {
  const header = (name: string) => (reply.headers instanceof Headers ? reply.headers.get(name) : reply.headers[name]);
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(header('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code, type: `/problems/${code}` });
  expect(typeof reply.body.detail).toBe('string');
  expect(reply.body.requestId).toEqual(expect.any(String));
  expect(header('x-request-id')).toBe(reply.body.requestId);
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ bodyLimit: 64 * 1024 });
});
afterAll(async () => server.close());

const event = { type: 'Counted', data: { n: 1 } };
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('what the framework answers itself is problem+json with a request id', () => {
  it('a path that is not valid percent-encoding: 400', async () => {
    const reply = await server.request('GET', '/v1/streams/%zz');
    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.detail).toContain('percent-encoding');
  });

  it('a 10,000-character stream id: 414 URI_TOO_LONG', async () => {
    expectProblem(await server.request('GET', `/v1/streams/${'s'.repeat(10_000)}`), 414, 'URI_TOO_LONG');
  });

  it('a request line longer than the header limit: 414; a 60 KB header: 431 naming the limit', async () => {
    const longLine = await raw(server.url, `GET /v1/streams/${'s'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    expectProblem(longLine, 414, 'URI_TOO_LONG');
    const bigHeader = await raw(server.url, `GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'h'.repeat(60 * 1024)}\r\n\r\n`);
    expectProblem(bigHeader, 431, 'HEADERS_TOO_LARGE');
    expect(bigHeader.body.limit).toBe(16 * 1024);
    expect(bigHeader.body.detail).toContain('16384 bytes');
  });

  it('a request that is not HTTP: 400', async () => {
    expectProblem(await raw(server.url, 'HELLO THERE\r\n\r\n'), 400, 'VALIDATION_FAILED');
  });

  it('an unknown route: 404; a known path with another method: 405 with Allow', async () => {
    expectProblem(await server.request('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
    const wrong = await server.request('DELETE', '/v1/all');
    expectProblem(wrong, 405, 'METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    const put = await server.request('PATCH', '/v1/streams/some-stream', { body: { events: [event] } });
    expectProblem(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toBe('DELETE, GET, HEAD, POST');
  });

  it('a body past the limit: 413 naming the limit; a body that is not JSON: 415 naming application/json', async () => {
    const big = await server.request('POST', '/v1/streams/x', { body: { events: [{ type: 'Big', data: 'x'.repeat(100_000) }] } });
    expectProblem(big, 413, 'BODY_TOO_LARGE');
    expect(big.body).toMatchObject({ limit: 65_536 });
    expect(big.body.detail).toContain('65536 bytes');
    const text = await server.request('POST', '/v1/streams/x', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(text.body.detail).toContain('application/json');
    expect(text.body.detail).toContain('text/plain');
  });

  it('a client request id is echoed when it is sane, replaced when it is not', async () => {
    const given = await server.request('GET', '/v1/nothing', { headers: { 'x-request-id': 'trace-42' } });
    expect(given.body.requestId).toBe('trace-42');
    const insane = await server.request('GET', '/v1/nothing', { headers: { 'x-request-id': 'x'.repeat(500) } });
    expect(insane.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('bodies', () => {
  it('JSON nested deeper than the limit is refused on every route with 400, before any handler runs', async () => {
    const head = await server.store.headPosition();
    for (const [method, path] of [
      ['POST', '/v1/streams/deep-1'],
      ['PUT', '/v1/streams/deep-1/metadata'],
      ['POST', '/v1/projections/none/rebuild'],
      ['DELETE', '/v1/streams/deep-1'],
    ] as const) {
      const reply = await server.request(method, path, { rawBody: deep(10_000) });
      expectProblem(reply, 400, 'VALIDATION_FAILED');
      expect(reply.body.detail).toContain('deeper than 64');
    }
    const data = await server.request('POST', '/v1/streams/deep-1', { rawBody: `{"events":[{"type":"T","data":${deep(61)}}]}` });
    expect(data.status, JSON.stringify(data.body)).toBe(201);
    // Brackets inside strings are text, not nesting.
    const quoted = await server.request('POST', '/v1/streams/deep-1', { body: { events: [{ type: 'T', data: deep(1_000) }] } });
    expect(quoted.status).toBe(201);
    expect(await server.store.headPosition()).toBe(head + 2);
  });
});

describe('problem types', () => {
  it('/problems/:code knows only real codes', async () => {
    for (const code of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'NOPE']) expectProblem(await server.request('GET', `/problems/${code}`), 404, 'NOT_FOUND');
    expect((await server.request('GET', '/problems/STORE_CORRUPT')).body).toMatchObject({ code: 'STORE_CORRUPT', status: 503 });
    expect((await server.request('GET', '/problems/URI_TOO_LONG')).body).toMatchObject({ status: 414 });
  });
});

describe('authentication', () => {
  it('parses Bearer strictly', async () => {
    for (const authorization of ['Bearer test-token extra', 'Bearer', 'Bearer ', 'Basic dGVzdDp0ZXN0', 'test-token', 'Bearer test-token,Bearer test-token', 'Bearer "test-token"']) {
      const reply = await server.request('POST', '/v1/streams/auth-1', { body: { events: [event] }, token: null, headers: { authorization } });
      expectProblem(reply, 401, 'UNAUTHORIZED');
    }
    expect((await server.request('POST', '/v1/streams/auth-1', { body: { events: [event] }, token: null, headers: { authorization: 'bearer test-token' } })).status).toBe(201);
  });

  it('checks the token before the body: a bad, huge or deep body without a token is 401', async () => {
    const head = await server.store.headPosition();
    for (const rawBody of ['{"events": [', JSON.stringify({ events: 'nope' }), 'x'.repeat(100_000), deep(10_000)]) {
      expectProblem(await server.request('POST', '/v1/streams/auth-2', { rawBody, token: null }), 401, 'UNAUTHORIZED');
    }
    expectProblem(await server.request('POST', '/v1/streams/auth-2', { rawBody: 'hello', token: null, headers: { 'content-type': 'text/plain' } }), 401, 'UNAUTHORIZED');
    expect(await server.store.headPosition()).toBe(head);
  });
});
