import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Decider, Event } from '@chronicle/core';
import { afterEach, describe, expect, it } from 'vitest';
import { allServerCodes, statusByCode } from './problem.js';
import { startTestServer, type TestServer } from './test-server.js';

type Counted = Event<'Counted', { n: number }>;
const counter: Pick<Decider<never, Counted, { total: number }>, 'initialState' | 'evolve'> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.n }),
};

let server: TestServer;
afterEach(async () => server?.close());

const counted = (n: number) => ({ type: 'Counted', data: { n } });

/** Reads a Server-Sent Events response: each call returns the next event's data. */
function sseEvents(response: Response): () => Promise<any> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async () => {
    for (;;) {
      const match = /id: (\d+)\nevent: event\ndata: (.*)\n\n/.exec(buffer);
      if (match) {
        buffer = buffer.slice(match.index + match[0].length);
        return JSON.parse(match[2]!);
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: `/problems/${code}` });
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
}

describe('generic HTTP API', () => {
  it('appends and reads a stream, with paging in both directions', async () => {
    server = await startTestServer();
    const created = await server.request('POST', '/v1/streams/counter-1', { body: { events: [counted(1), counted(2), counted(3)], expectedVersion: 'no_stream' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ nextExpectedVersion: 3, globalPosition: 3 });
    const page = await server.request('GET', '/v1/streams/counter-1?limit=2');
    expect(page.status).toBe(200);
    expect(page.body.events.map((e: any) => e.streamPosition)).toEqual([1, 2]);
    expect(page.body.next).toBe(3);
    expect(page.body.events[0]).toMatchObject({ type: 'Counted', data: { n: 1 }, streamId: 'counter-1', globalPosition: 1 });
    expect(page.body.events[0].recordedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const rest = await server.request('GET', `/v1/streams/counter-1?from=${page.body.next}&limit=2`);
    expect(rest.body).toMatchObject({ next: null, version: 3 });
    const backwards = await server.request('GET', '/v1/streams/counter-1?direction=backwards&limit=2');
    expect(backwards.body.events.map((e: any) => e.streamPosition)).toEqual([3, 2]);
    expect(backwards.body.next).toBe(1);
  });

  it('answers a conflict with 409 WRONG_EXPECTED_VERSION and writes nothing', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/counter-1', { body: { events: [counted(1)] } });
    const conflict = await server.request('POST', '/v1/streams/counter-1', { body: { events: [counted(2)], expectedVersion: 0 } });
    expectProblem(conflict, 409, 'WRONG_EXPECTED_VERSION');
    expect(conflict.body).toMatchObject({ streamId: 'counter-1', expected: 0, actual: 1 });
    expect(await server.store.headPosition()).toBe(1);
  });

  it('a repeated POST with the same event ids answers 200 with the original positions; partial is 409', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/paid-1', { body: { events: [counted(1)] } });
    const body = {
      events: [
        { ...counted(2), eventId: randomUUID() },
        { ...counted(3), eventId: randomUUID() },
      ],
      expectedVersion: 1,
    };
    const first = await server.request('POST', '/v1/streams/paid-1', { body });
    expect([first.status, first.body]).toEqual([201, { nextExpectedVersion: 3, globalPosition: 3 }]);
    const again = await server.request('POST', '/v1/streams/paid-1', { body });
    expect([again.status, again.body]).toEqual([200, { nextExpectedVersion: 3, globalPosition: 3 }]);
    const partial = await server.request('POST', '/v1/streams/paid-1', {
      body: { events: [body.events[0], { ...counted(4), eventId: randomUUID() }] },
    });
    expectProblem(partial, 409, 'RETRY_MISMATCH');
    expect(await server.store.headPosition()).toBe(3);
  });

  it('requires the bearer token for writes; reads are open', async () => {
    server = await startTestServer();
    expectProblem(await server.request('POST', '/v1/streams/s-1', { body: { events: [counted(1)] }, token: null }), 401, 'UNAUTHORIZED');
    expectProblem(await server.request('POST', '/v1/streams/s-1', { body: { events: [counted(1)] }, token: 'wrong' }), 401, 'UNAUTHORIZED');
    expect(await server.store.headPosition()).toBe(0);
    await server.request('POST', '/v1/streams/s-1', { body: { events: [counted(1)] } });
    expect((await server.request('GET', '/v1/streams/s-1', { token: null })).status).toBe(200);
  });

  it('can require the token for reads', async () => {
    server = await startTestServer({ auth: { token: 'test-token', readsRequireToken: true } });
    expectProblem(await server.request('GET', '/v1/all', { token: null }), 401, 'UNAUTHORIZED');
    expect((await server.request('GET', '/v1/all')).status).toBe(200);
  });

  it('rejects bad input with 4xx problem+json and leaves the store unchanged', async () => {
    server = await startTestServer({ bodyLimit: 64 * 1024 });
    await server.request('POST', '/v1/streams/existing', { body: { events: [counted(1)] } });
    const head = await server.store.headPosition();
    const cases: [string, () => Promise<{ status: number; headers: Headers; body: any }>, number, string][] = [
      ['malformed JSON', () => server.request('POST', '/v1/streams/x', { rawBody: '{"events": [' }), 400, 'VALIDATION_FAILED'],
      ['empty body', () => server.request('POST', '/v1/streams/x', { rawBody: '' }), 400, 'VALIDATION_FAILED'],
      ['events not an array', () => server.request('POST', '/v1/streams/x', { body: { events: 'nope' } }), 400, 'VALIDATION_FAILED'],
      ['missing events', () => server.request('POST', '/v1/streams/x', { body: {} }), 400, 'VALIDATION_FAILED'],
      ['empty events', () => server.request('POST', '/v1/streams/x', { body: { events: [] } }), 400, 'VALIDATION_FAILED'],
      ['missing type', () => server.request('POST', '/v1/streams/x', { body: { events: [{ data: {} }] } }), 400, 'VALIDATION_FAILED'],
      ['missing data', () => server.request('POST', '/v1/streams/x', { body: { events: [{ type: 'T' }] } }), 400, 'VALIDATION_FAILED'],
      ['type not a string', () => server.request('POST', '/v1/streams/x', { body: { events: [{ type: 5, data: {} }] } }), 400, 'VALIDATION_FAILED'],
      ['unknown top-level field', () => server.request('POST', '/v1/streams/x', { body: { events: [counted(1)], extra: true } }), 400, 'VALIDATION_FAILED'],
      ['unknown event field', () => server.request('POST', '/v1/streams/x', { body: { events: [{ ...counted(1), when: 'now' }] } }), 400, 'VALIDATION_FAILED'],
      ['metadata not an object', () => server.request('POST', '/v1/streams/x', { body: { events: [{ ...counted(1), metadata: [1] }] } }), 400, 'VALIDATION_FAILED'],
      ['negative expectedVersion', () => server.request('POST', '/v1/streams/x', { body: { events: [counted(1)], expectedVersion: -1 } }), 400, 'VALIDATION_FAILED'],
      ['fractional expectedVersion', () => server.request('POST', '/v1/streams/x', { body: { events: [counted(1)], expectedVersion: 1.5 } }), 400, 'VALIDATION_FAILED'],
      ['unknown expectedVersion', () => server.request('POST', '/v1/streams/x', { body: { events: [counted(1)], expectedVersion: 'latest' } }), 400, 'VALIDATION_FAILED'],
      ['expectedVersion as string number', () => server.request('POST', '/v1/streams/x', { body: { events: [counted(1)], expectedVersion: '1' } }), 400, 'VALIDATION_FAILED'],
      ['stream id with control character', () => server.request('POST', '/v1/streams/bad%01id', { body: { events: [counted(1)] } }), 400, 'VALIDATION_FAILED'],
      ['stream id too long', () => server.request('POST', `/v1/streams/${'s'.repeat(300)}`, { body: { events: [counted(1)] } }), 400, 'VALIDATION_FAILED'],
      ['stream id with spaces around', () => server.request('POST', '/v1/streams/%20padded%20', { body: { events: [counted(1)] } }), 400, 'VALIDATION_FAILED'],
      ['huge body', () => server.request('POST', '/v1/streams/x', { body: { events: [{ type: 'Big', data: 'x'.repeat(100_000) }] } }), 413, 'BODY_TOO_LARGE'],
      ['not JSON', () => server.request('POST', '/v1/streams/x', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['bad read limit', () => server.request('GET', '/v1/streams/existing?limit=0'), 400, 'VALIDATION_FAILED'],
      ['bad read direction', () => server.request('GET', '/v1/streams/existing?direction=up'), 400, 'VALIDATION_FAILED'],
      ['unknown read parameter', () => server.request('GET', '/v1/streams/existing?sort=asc'), 400, 'VALIDATION_FAILED'],
      ['non-numeric from', () => server.request('GET', '/v1/all?from=abc'), 400, 'VALIDATION_FAILED'],
      ['unknown stream', () => server.request('GET', '/v1/streams/nobody'), 404, 'STREAM_NOT_FOUND'],
      ['unknown route', () => server.request('GET', '/v1/nothing-here'), 404, 'NOT_FOUND'],
    ];
    for (const [label, send, status, code] of cases) {
      const response = await send();
      try {
        expectProblem(response, status, code);
      } catch (error) {
        throw new Error(`${label}: ${(error as Error).message}`);
      }
    }
    expect(await server.store.headPosition()).toBe(head);
  });

  it('folds state at the current version, a past version, or a past instant', async () => {
    server = await startTestServer({ stateModels: { counter: counter as never } });
    await server.request('POST', '/v1/streams/counter-7', { body: { events: [counted(1), counted(2)] } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.request('POST', '/v1/streams/counter-7', { body: { events: [counted(10)] } });
    expect((await server.request('GET', '/v1/streams/counter-7/state')).body).toEqual({ streamId: 'counter-7', version: 3, currentVersion: 3, state: { total: 13 } });
    expect((await server.request('GET', '/v1/streams/counter-7/state?version=1')).body).toMatchObject({ version: 1, state: { total: 1 } });
    expect((await server.request('GET', `/v1/streams/counter-7/state?at=${encodeURIComponent(middle)}`)).body).toMatchObject({ version: 2, state: { total: 3 } });
    expectProblem(await server.request('GET', '/v1/streams/other-1/state'), 404, 'STATE_NOT_AVAILABLE');
    expectProblem(await server.request('GET', '/v1/streams/counter-404/state'), 404, 'STREAM_NOT_FOUND');
    expectProblem(await server.request('GET', '/v1/streams/counter-7/state?at=yesterday'), 400, 'VALIDATION_FAILED');
    expectProblem(await server.request('GET', '/v1/streams/counter-7/state?version=1&at=2020-01-01T00:00:00Z'), 400, 'VALIDATION_FAILED');
    const past = await server.request('GET', '/v1/streams/counter-7/state?version=99');
    expectProblem(past, 400, 'VALIDATION_FAILED');
    expect(past.body.detail).toContain('version 99 is past the end of counter-7, which has 3 events');
  });

  it('pages the global log and lists streams; stream ids may contain encoded slashes', async () => {
    server = await startTestServer();
    for (const id of ['a-1', 'a-2', 'b/1']) await server.request('POST', `/v1/streams/${encodeURIComponent(id)}`, { body: { events: [counted(1), counted(2)] } });
    const first = await server.request('GET', '/v1/all?limit=4');
    expect(first.body.events.map((e: any) => e.globalPosition)).toEqual([1, 2, 3, 4]);
    expect(first.body).toMatchObject({ next: 5, head: 6 });
    const second = await server.request('GET', `/v1/all?from=${first.body.next}&limit=4`);
    expect(second.body.events.map((e: any) => e.streamId)).toEqual(['b/1', 'b/1']);
    expect(second.body.next).toBeNull();
    expect((await server.request('GET', '/v1/streams?prefix=a-')).body.streams).toEqual([
      { streamId: 'a-1', version: 2 },
      { streamId: 'a-2', version: 2 },
    ]);
    expect((await server.request('GET', `/v1/streams/${encodeURIComponent('b/1')}`)).body.version).toBe(2);
  });

  it('reads the global log backwards and filters it in the store (types, stream prefixes, categories)', async () => {
    server = await startTestServer();
    const typed = (...types: string[]) => ({ body: { events: types.map((type) => ({ type, data: {} })) } });
    await server.request('POST', '/v1/streams/order-1', typed('Placed', 'Paid'));
    await server.request('POST', '/v1/streams/invoice-1', typed('Issued', 'Paid'));
    await server.request('POST', '/v1/streams/order-2', typed('Placed'));
    const newest = await server.request('GET', '/v1/all?direction=backwards&limit=2');
    expect(newest.body.events.map((e: any) => e.globalPosition)).toEqual([5, 4]);
    expect(newest.body).toMatchObject({ next: 3, head: 5 });
    const older = await server.request('GET', `/v1/all?direction=backwards&from=${newest.body.next}&limit=3`);
    expect([older.body.events.map((e: any) => e.globalPosition), older.body.next]).toEqual([[3, 2, 1], null]);
    const label = (body: any) => body.events.map((e: any) => `${e.streamId}:${e.type}`);
    expect(label((await server.request('GET', '/v1/all?types=Paid')).body)).toEqual(['order-1:Paid', 'invoice-1:Paid']);
    const placed = await server.request('GET', '/v1/all?category=order&types=Placed');
    expect(label(placed.body)).toEqual(['order-1:Placed', 'order-2:Placed']);
    const query = 'streamPrefix=order-1&streamPrefix=invoice-&direction=backwards&limit=3';
    const prefixed = await server.request('GET', `/v1/all?${query}`);
    expect(label(prefixed.body)).toEqual(['invoice-1:Paid', 'invoice-1:Issued', 'order-1:Paid']);
    expectProblem(await server.request('GET', '/v1/all?direction=sideways'), 400, 'VALIDATION_FAILED');
    expectProblem(await server.request('GET', '/v1/all?category='), 400, 'VALIDATION_FAILED');
  });

  it('streams the global log over Server-Sent Events: catch-up, then live within 2 s', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/live-1', { body: { events: [counted(1)] } });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/subscribe?from=1`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const nextEvent = sseEvents(response);
    expect((await nextEvent()).globalPosition).toBe(1);
    const appendedAt = Date.now();
    await server.request('POST', '/v1/streams/live-2', { body: { events: [counted(5)] } });
    const live = await nextEvent();
    expect(Date.now() - appendedAt).toBeLessThan(2_000);
    expect(live).toMatchObject({ streamId: 'live-2', data: { n: 5 }, globalPosition: 2 });
    controller.abort();
  });

  it('filters Server-Sent Events by category and type, in catch-up and live', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/live-1', { body: { events: [counted(1)] } });
    await server.request('POST', '/v1/streams/other-1', { body: { events: [counted(2)] } });
    const controller = new AbortController();
    const url = `${server.url}/v1/subscribe?from=1&category=live&types=Counted`;
    const response = await fetch(url, { signal: controller.signal });
    const nextEvent = sseEvents(response);
    expect(await nextEvent()).toMatchObject({ streamId: 'live-1', globalPosition: 1 });
    for (let n = 0; n < 3; n++) {
      await server.request('POST', `/v1/streams/other-${n + 2}`, { body: { events: [counted(n)] } });
    }
    await server.request('POST', '/v1/streams/live-2', { body: { events: [{ type: 'Other', data: {} }, counted(9)] } });
    expect(await nextEvent()).toMatchObject({ streamId: 'live-2', type: 'Counted', data: { n: 9 } });
    controller.abort();
  });

  it('serves health, Prometheus metrics, OpenAPI docs and problem types', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/m-1', { body: { events: [counted(1)] } });
    const health = await server.request('GET', '/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', head: 1 } });
    const metrics = await server.request('GET', '/metrics');
    expect(metrics.body).toContain('chronicle_http_requests_total{method="POST",route="/v1/streams/:streamId",status="201"} 1');
    expect(metrics.body).toContain('chronicle_store_head_position 1');
    // Node's process metrics carry the prefix once.
    expect(metrics.body).toMatch(/^chronicle_process_cpu_seconds_total \d/m);
    expect(metrics.body).toMatch(/^chronicle_nodejs_heap_size_used_bytes \d/m);
    expect(metrics.body).not.toContain('process_process');
    const spec = await server.request('GET', '/docs/json');
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/v1/streams/{streamId}', '/v1/all', '/v1/subscribe', '/v1/projections']));
    expect((await server.request('GET', '/docs')).status).toBe(200);
    expect((await server.request('GET', '/problems/WRONG_EXPECTED_VERSION')).body).toMatchObject({ status: 409 });
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await server.request('GET', '/health', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
  });

  it('health says 503 and metrics still answer while the store is down', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/m-1', { body: { events: [counted(1)] } });
    expect((await server.request('GET', '/metrics')).body).toContain('chronicle_store_up 1');
    await server.store.close();
    expectProblem(await server.request('GET', '/health'), 503, 'STORE_UNAVAILABLE');
    const metrics = await server.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('chronicle_store_up 0');
    expect(metrics.body).toContain('chronicle_store_head_position 1');
  });

  it('every error code has an HTTP status and a line in the README', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    for (const code of allServerCodes) {
      expect(statusByCode[code as keyof typeof statusByCode], code).toBeGreaterThanOrEqual(400);
      expect(readme, `README documents ${code}`).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusByCode[code as keyof typeof statusByCode]}\\s*\\|`));
    }
  });
});

describe('stream lifecycle over HTTP', () => {
  it('soft and hard deletes, and retention metadata', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/soft-1', { body: { events: [counted(1), counted(2)] } });
    await server.request('POST', '/v1/streams/hard-1', { body: { events: [counted(1)] } });
    expectProblem(await server.request('DELETE', '/v1/streams/soft-1', { token: null }), 401, 'UNAUTHORIZED');
    expect((await server.request('DELETE', '/v1/streams/soft-1?expectedVersion=2')).status).toBe(204);
    expectProblem(await server.request('GET', '/v1/streams/soft-1'), 404, 'STREAM_NOT_FOUND');
    expect((await server.request('POST', '/v1/streams/soft-1', { body: { events: [counted(3)], expectedVersion: 'no_stream' } })).body.nextExpectedVersion).toBe(4);
    expect((await server.request('DELETE', '/v1/streams/hard-1?mode=hard')).status).toBe(204);
    expectProblem(await server.request('POST', '/v1/streams/hard-1', { body: { events: [counted(1)] } }), 410, 'STREAM_DELETED');
    expectProblem(await server.request('GET', '/v1/streams/hard-1'), 410, 'STREAM_DELETED');
    expectProblem(await server.request('DELETE', '/v1/streams/nothing-1'), 404, 'STREAM_NOT_FOUND');
    await server.request('POST', '/v1/streams/kept-1', { body: { events: [counted(1), counted(2), counted(3)] } });
    const put = await server.request('PUT', '/v1/streams/kept-1/metadata', { body: { maxCount: 2, custom: { owner: 'ops' } } });
    expect(put.body.metadata).toEqual({ maxCount: 2, custom: { owner: 'ops' } });
    expect((await server.request('GET', '/v1/streams/kept-1')).body.events.map((e: any) => e.streamPosition)).toEqual([2, 3]);
    expectProblem(await server.request('PUT', '/v1/streams/kept-1/metadata', { body: { maxCount: 0 } }), 400, 'VALIDATION_FAILED');
  });

  it('a soft-deleted stream answers as never written; a hard delete tombstones any name; 409 on versions', async () => {
    server = await startTestServer();
    await server.request('POST', '/v1/streams/gone-1', { body: { events: [counted(1), counted(2)] } });
    expect((await server.request('DELETE', '/v1/streams/gone-1')).status).toBe(204);
    for (const path of ['/v1/streams/gone-1', '/v1/streams/gone-1?direction=backwards', '/v1/streams/never-1']) {
      expectProblem(await server.request('GET', path), 404, 'STREAM_NOT_FOUND');
    }
    const conflict = 'WRONG_EXPECTED_VERSION';
    expectProblem(await server.request('DELETE', '/v1/streams/gone-1?mode=hard&expectedVersion=2'), 409, conflict);
    expectProblem(await server.request('DELETE', '/v1/streams/never-1?expectedVersion=1'), 409, conflict);
    expect((await server.request('DELETE', '/v1/streams/gone-1?mode=hard')).status).toBe(204);
    expect((await server.request('DELETE', '/v1/streams/never-1?mode=hard')).status).toBe(204);
    for (const id of ['gone-1', 'never-1']) {
      const appended = await server.request('POST', `/v1/streams/${id}`, { body: { events: [counted(1)] } });
      expectProblem(appended, 410, 'STREAM_DELETED');
      expectProblem(await server.request('PUT', `/v1/streams/${id}/metadata`, { body: { maxCount: 1 } }), 410, 'STREAM_DELETED');
    }
  });
});
