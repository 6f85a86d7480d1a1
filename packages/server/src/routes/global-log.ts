import type { EventStore, GlobalLogFilter, RecordedEvent } from '@chronicle/core';
import type { FastifyInstance } from 'fastify';
import { readGuard, type AuthOptions } from '../auth.js';
import type { SseHub } from '../sse/sse-hub.js';
import { problemSchema, toWire, wireEventSchema } from '../wire.js';

/** Query parameters that filter the global log, on `/v1/all` and `/v1/subscribe`. */
type FilterQuery = { types?: string; streamPrefix?: string[]; category?: string[] };

const filterParams = {
  types: { type: 'string', description: 'Comma-separated event types (all by default)' },
  streamPrefix: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    maxItems: 100,
    description: 'Only streams whose id starts with this prefix (repeat the parameter for several)',
  },
  category: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    maxItems: 100,
    description: 'Only streams of this category: ids starting with `<category>-` (repeat for several)',
  },
} as const;

/** The store-side filter the query asks for; undefined for none. */
function filterOf(query: FilterQuery): GlobalLogFilter | undefined {
  const eventTypes = query.types
    ?.split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '');
  const prefixes = [...(query.streamPrefix ?? []), ...(query.category ?? []).map((category) => `${category}-`)];
  if (!eventTypes?.length && prefixes.length === 0) return undefined;
  return {
    ...(eventTypes?.length ? { eventTypes } : {}),
    ...(prefixes.length > 0 ? { streamIdPrefixes: prefixes } : {}),
  };
}

/** The global log: paged reads and a live Server-Sent Events feed. */
export function globalLogRoutes(app: FastifyInstance, options: { store: EventStore; auth: AuthOptions; hub: SseHub }): void {
  const { store, auth } = options;

  app.get<{ Querystring: FilterQuery & { from?: number; limit: number; direction: 'forwards' | 'backwards' } }>(
    '/v1/all',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['global log'],
        summary: 'Read the global log, a page at a time, forwards or backwards, optionally filtered by the store',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: {
              type: 'integer',
              minimum: 0,
              description: 'First global position to return (inclusive; backwards: the newest, default the head)',
            },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            direction: { type: 'string', enum: ['forwards', 'backwards'], default: 'forwards' },
            ...filterParams,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { events: { type: 'array', items: wireEventSchema }, next: { type: ['integer', 'null'] }, head: { type: 'integer' } },
          },
          '4xx': problemSchema,
        },
      },
    },
    async (request) => {
      const { from, limit, direction } = request.query;
      const filter = filterOf(request.query);
      const backwards = direction === 'backwards';
      const lower = { after: Math.max((from ?? 0) - 1, 0) };
      const bounds = backwards ? (from === undefined ? {} : { before: from + 1 }) : lower;
      const events: RecordedEvent[] = [];
      const options = { ...bounds, limit, direction, ...(filter ? { filter } : {}) };
      for await (const event of store.readAll(options)) events.push(event);
      const head = await store.headPosition();
      const last = events[events.length - 1];
      const next = backwards
        ? events.length === limit && last!.globalPosition > 1 ? last!.globalPosition - 1 : null
        : last && last.globalPosition < head ? last.globalPosition + 1 : null;
      return { events: events.map(toWire), next, head };
    },
  );

  app.get<{ Querystring: FilterQuery & { from?: number } }>(
    '/v1/subscribe',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['global log'],
        summary: 'Server-Sent Events: catch up from a position, then receive events live',
        description:
          'Each message has `id` = global position and `data` = the event as JSON. Reconnect with `Last-Event-ID` to resume. ' +
          'A client that stops reading is disconnected once its buffer is full (it resumes with `Last-Event-ID`); ' +
          'past the subscriber limit the answer is 503 `TOO_MANY_SUBSCRIBERS` with `Retry-After`.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'integer', minimum: 0, description: 'First global position to deliver; omit to start at the current end' },
            ...filterParams,
          },
        },
        documented: {
          200: {
            description: 'Server-Sent Events: `id` the global position, `data` the event as JSON',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const lastEventId = Number(request.headers['last-event-id']);
      const after = Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : request.query.from === undefined ? 'end' : Math.max(request.query.from - 1, 0);
      const filter = filterOf(request.query);
      await options.hub.serve(request, reply, { after, ...(filter ? { filter } : {}) });
    },
  );
}
