import type { EventStore, RecordedEvent } from '@chronicle/core';
import type { FastifyInstance } from 'fastify';
import { readGuard, type AuthOptions } from '../auth.js';
import type { SseHub } from '../sse/sse-hub.js';
import { problemSchema, toWire, wireEventSchema } from '../wire.js';

/** The global log: paged reads and a live Server-Sent Events feed. */
export function globalLogRoutes(app: FastifyInstance, options: { store: EventStore; auth: AuthOptions; hub: SseHub }): void {
  const { store, auth } = options;

  app.get<{ Querystring: { from?: number; limit: number } }>(
    '/v1/all',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['global log'],
        summary: 'Read the global log in order, a page at a time',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'integer', minimum: 0, description: 'First global position to return (inclusive)' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
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
      const { from = 0, limit } = request.query;
      const events: RecordedEvent[] = [];
      for await (const event of store.readAll({ after: Math.max(from - 1, 0), limit })) events.push(event);
      const head = await store.headPosition();
      const last = events[events.length - 1];
      return { events: events.map(toWire), next: last && last.globalPosition < head ? last.globalPosition + 1 : null, head };
    },
  );

  app.get<{ Querystring: { from?: number; types?: string } }>(
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
            types: { type: 'string', description: 'Comma-separated event types to deliver (all by default)' },
          },
        },
      },
    },
    async (request, reply) => {
      const lastEventId = Number(request.headers['last-event-id']);
      const after = Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : request.query.from === undefined ? 'end' : Math.max(request.query.from - 1, 0);
      const types = request.query.types ? new Set(request.query.types.split(',').map((t) => t.trim())) : undefined;
      await options.hub.serve(request, reply, { after, ...(types ? { matches: (event) => types.has(event.type) } : {}) });
    },
  );
}
