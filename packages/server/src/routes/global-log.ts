import type { EventStore, RecordedEvent } from '@chronicle/core';
import type { FastifyInstance } from 'fastify';
import { readGuard, type AuthOptions } from '../auth.js';
import { problemSchema, toWire, wireEventSchema } from '../wire.js';

const HEARTBEAT_MS = 15_000;

/** The global log: paged reads and a live Server-Sent Events feed. */
export function globalLogRoutes(app: FastifyInstance, options: { store: EventStore; auth: AuthOptions; onSubscriber?: (delta: number) => void }): void {
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
        description: 'Each message has `id` = global position and `data` = the event as JSON. Reconnect with `Last-Event-ID` to resume.',
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
      const abort = new AbortController();
      request.raw.on('close', () => abort.abort());
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      response.write(': connected\n\n');
      const heartbeat = setInterval(() => response.write(': ping\n\n'), HEARTBEAT_MS);
      options.onSubscriber?.(1);
      try {
        for await (const event of store.subscribe({ after, signal: abort.signal })) {
          if (types && !types.has(event.type)) continue;
          const ok = response.write(`id: ${event.globalPosition}\nevent: event\ndata: ${JSON.stringify(toWire(event))}\n\n`);
          if (!ok) await new Promise((resolve) => response.once('drain', resolve));
        }
      } catch (error) {
        if (!abort.signal.aborted) {
          request.log.error({ err: error }, 'subscription failed');
          response.write(`event: error\ndata: ${JSON.stringify({ code: (error as { code?: string }).code ?? 'INTERNAL_ERROR', detail: (error as Error).message })}\n\n`);
        }
      } finally {
        clearInterval(heartbeat);
        options.onSubscriber?.(-1);
        response.end();
      }
    },
  );
}
