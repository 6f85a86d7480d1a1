import { createInMemoryStore, type EventStore } from '@chronicle/core';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createServer } from '../create-server.js';
import { recordContract } from '../testing/contract.js';

/**
 * Property-based fuzzing of the HTTP API, in process (`fastify.inject`):
 * requests are generated from the server's own OpenAPI document (its path,
 * query and body schemas), then some are spoiled (wrong types, missing or
 * extra fields, hostile ids, bad tokens, other media types, deep or broken
 * JSON, other methods). Every answer must be documented (status, media type,
 * body schema) and none may be a 5xx; after each run the store holds exactly
 * the events of the appends that were accepted, in order.
 */

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  default?: unknown;
};
type Parameter = { in: string; name: string; schema: Schema; required?: boolean };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: unknown[];
};
type Document = { paths: Record<string, Record<string, Operation>> };

const SEED = 20_261_208;
const RUNS = 25;
const PER_RUN = 200;
/** Streams appends mostly go to (generated and hostile ids too); their content is compared with the model. */
const TRACKED = ['s-0', 's-1', 's-2', 's-3'];
/** Streams that deletes and metadata writes may change (not compared). */
const SCRATCH = ['d-0', 'd-1'];
const TOKEN = 'fuzz-token';

/** Values that satisfy a JSON schema, small ones. */
function valid(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valid(s, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 6, (schema.minimum ?? 0) + 6) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (schema.format === 'uuid') return fc.uuid({ version: 4 });
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      return fc.string({
        minLength: Math.max(schema.minLength ?? 0, 1),
        maxLength: Math.min(schema.maxLength ?? 12, 12),
        unit: 'grapheme-ascii',
      });
    case 'array':
      return fc.array(schema.items ? valid(schema.items, depth + 1) : fc.jsonValue({ maxDepth: 2 }), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      if (Object.keys(properties).length === 0)
        return fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const required = new Set(schema.required ?? []);
      return fc.record(
        Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, valid(value, depth + 1)])),
        { requiredKeys: Object.keys(properties).filter((key) => required.has(key)) },
      );
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** A value the schema may or may not accept: valid, or spoiled one way. */
function anyValue(schema: Schema): fc.Arbitrary<unknown> {
  const spoiled = fc.oneof(
    fc.constantFrom(null, 42, -1, 'x', '', true, [], {}, 1e300, 'a b', '../../etc'),
    fc.jsonValue({ maxDepth: 3 }),
    valid(schema).map((value) =>
      value && typeof value === 'object' && !Array.isArray(value) ? { ...value, unexpected: 1 } : value,
    ),
    valid(schema).map((value) => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
      const copy = { ...(value as Record<string, unknown>) };
      delete copy[Object.keys(copy)[0] ?? ''];
      return copy;
    }),
  );
  return fc.oneof({ weight: 4, arbitrary: valid(schema) }, { weight: 1, arbitrary: spoiled });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const hostileId = fc.constantFrom(
  '%zz',
  's'.repeat(300),
  encodeURIComponent('a\nb'),
  '%2F%2F',
  encodeURIComponent('é-ü'),
  '.',
  '%00',
);

type Request = { method: string; url: string; headers: Record<string, string>; payload?: string };

/** One request for an operation of the document, maybe spoiled. */
function requestFor(route: string, method: string, operation: Operation): fc.Arbitrary<Request> {
  const params = operation.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const query = params.filter((p) => p.in === 'query');
  const bodySchema = operation.requestBody?.content['application/json']?.schema;
  const tracked = !route.startsWith('/v1/streams/{streamId}') || method === 'get' || method === 'post';
  const streamIds = tracked ? TRACKED : SCRATCH;
  const pathValue = (p: Parameter): fc.Arbitrary<string> =>
    p.name === 'streamId'
      ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...streamIds) }, { weight: 1, arbitrary: hostileId })
      : p.name === 'code'
        ? fc.constantFrom('STREAM_NOT_FOUND', 'NOPE', '__proto__', 'constructor', 'URI_TOO_LONG')
        : p.name === 'name'
          ? fc.constantFrom('chronicle-catalog', 'nothing')
          : fc.oneof(
              valid(p.schema).map((v) => encodeURIComponent(String(v))),
              hostileId,
            );
  const body = bodySchema
    ? fc.oneof(
        { weight: 10, arbitrary: anyValue(bodySchema).map((value) => JSON.stringify(value)) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('{"events": [', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, '', 'null', '"x"'),
        },
      )
    : fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('{}', '{"x":1}', '[[') },
      );
  return fc
    .record({
      path: fc.tuple(...pathParams.map(pathValue)),
      query: fc.tuple(...query.map((p) => fc.option(anyValue(p.schema), { freq: 2 }))),
      body,
      token: fc.oneof(
        { weight: 8, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            undefined,
            'Bearer nope',
            `Bearer ${TOKEN} extra`,
            'Basic eDp4',
            `bearer ${TOKEN}`,
          ),
        },
      ),
      contentType: fc.oneof(
        { weight: 10, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/xml') },
      ),
      otherMethod: fc.oneof(
        { weight: 14, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('PATCH', 'PUT', 'DELETE', 'POST', 'GET') },
      ),
    })
    .map(({ path, query: values, body: payload, token, contentType, otherMethod }) => {
      let url = route;
      pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, path[i]!)));
      const search = new URLSearchParams();
      query.forEach((p, i) => {
        const value = values[i];
        if (value !== null && value !== undefined)
          search.set(p.name, typeof value === 'string' ? value : JSON.stringify(value));
      });
      const headers: Record<string, string> = {};
      if (token) headers.authorization = token;
      const withBody = payload !== undefined && method !== 'get';
      if (withBody) headers['content-type'] = contentType;
      // Deletes and metadata writes go to the scratch streams only (another method on a tracked stream is a 405).
      const onTracked = url.startsWith('/v1/streams/') && !SCRATCH.some((id) => url.startsWith(`/v1/streams/${id}`));
      const other =
        otherMethod && onTracked && (otherMethod === 'DELETE' || otherMethod === 'PUT') ? 'PATCH' : otherMethod;
      return {
        method: other ?? method.toUpperCase(),
        url: search.size > 0 ? `${url}?${search}` : url,
        headers,
        ...(withBody ? { payload } : {}),
      };
    });
}

/** Every event of the streams no delete or metadata write was sent to, in global order, as written. */
async function storedEvents(
  store: EventStore,
  changed: ReadonlySet<string>,
): Promise<{ streamId: string; type: string; data: unknown }[]> {
  const events = [];
  for await (const event of store.readAll()) {
    if (!changed.has(event.streamId)) events.push({ streamId: event.streamId, type: event.type, data: event.data });
  }
  return events;
}

describe('fuzzing the HTTP API from its OpenAPI document', () => {
  it(`${RUNS * PER_RUN} generated requests: no 5xx, every answer documented, the store holds what the accepted appends wrote`, async () => {
    const probe = await createServer({ store: createInMemoryStore(), auth: { token: TOKEN }, logger: false });
    await probe.app.ready();
    const document = probe.app.swagger() as unknown as Document;
    await probe.app.close();
    const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.entries(methods)
        // An event stream never ends, so it cannot be injected; the SSE suites cover it.
        .filter(([method]) => !(route === '/v1/subscribe' && method === 'get'))
        // Appends weigh more: the store's content is what they wrote.
        .map(([method, operation]) => ({
          weight: route === '/v1/streams/{streamId}' && method === 'post' ? 5 : 1,
          arbitrary: requestFor(route, method, operation),
        })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(15);
    const statuses = new Map<number, number>();
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(...operations), { minLength: PER_RUN, maxLength: PER_RUN }),
        async (requests) => {
          const store = createInMemoryStore();
          const { app } = await createServer({
            store,
            auth: { token: TOKEN },
            logger: false,
            bodyLimit: 64 * 1024,
            stateModels: { s: { initialState: () => 0, evolve: (count: number) => count + 1 } },
          });
          const contract = recordContract(app);
          await app.ready();
          const expected: { streamId: string; type: string; data: unknown }[] = [];
          // Streams a delete or metadata write was sent to: their reads are the lifecycle's, not compared here.
          const changed = new Set<string>(SCRATCH);
          try {
            for (const request of requests) {
              const response = await app.inject(request as InjectOptions);
              sent += 1;
              statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
              const label = `${request.method} ${request.url.slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
              expect(response.statusCode, label).toBeLessThan(500);
              const path = request.url.split('?')[0]!;
              const appended = /^\/v1\/streams\/([^/?]+)$/.exec(path);
              const lifecycle = /^\/v1\/streams\/([^/?]+)(?:\/metadata)?$/.exec(path);
              if (lifecycle && (request.method === 'DELETE' || request.method === 'PUT'))
                changed.add(safeDecode(lifecycle[1]!));
              if (request.method === 'POST' && appended && response.statusCode === 201) {
                const body = JSON.parse(request.payload!) as { events: { type: string; data: unknown }[] };
                for (const event of body.events)
                  expected.push({ streamId: decodeURIComponent(appended[1]!), type: event.type, data: event.data });
              }
            }
            contract.assertClean();
            expect(await storedEvents(store, changed)).toEqual(
              expected.filter((event) => !changed.has(event.streamId)),
            );
          } finally {
            await app.close();
            await store.close();
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    console.log(`[fuzz] ${sent} requests (seed ${SEED}): ${summary.join(' ')}`);
    expect(sent).toBeGreaterThanOrEqual(5_000);
    // The generated requests reach the handlers, not only the validators.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(500);
  }, 120_000);
});
