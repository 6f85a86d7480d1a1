import {
  NotSupportedError,
  StreamNotFoundError,
  ValidationError,
  hasStreamLifecycle,
  stateAt,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
  type StreamMetadata,
} from '@chronicle/core';
import type { FastifyInstance } from 'fastify';
import { readGuard, writeGuard, type AuthOptions } from '../auth.js';
import { HttpProblem } from '../problem.js';
import { categoryOf, foldable, type StateModels } from '../state-models.js';
import { problemSchema, toWire, wireEventSchema } from '../wire.js';

const streamIdParam = {
  type: 'object',
  required: ['streamId'],
  properties: { streamId: { type: 'string', minLength: 1, maxLength: 256, description: 'URL-encoded stream id (encode `/` as %2F)' } },
} as const;

const appendBody = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['type', 'data'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', minLength: 1, maxLength: 256 },
          data: {},
          metadata: { type: 'object', additionalProperties: true },
          eventId: { type: 'string', format: 'uuid' },
        },
      },
    },
    expectedVersion: {
      anyOf: [
        { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        { type: 'string', enum: ['any', 'no_stream', 'stream_exists'] },
      ],
    },
  },
} as const;

const appendedSchema = {
  type: 'object',
  properties: { nextExpectedVersion: { type: 'integer' }, globalPosition: { type: 'integer' } },
} as const;

const metadataAnswer = {
  description: "The stream's metadata",
  type: 'object',
  required: ['streamId', 'metadata'],
  properties: { streamId: { type: 'string' }, metadata: { type: 'object', additionalProperties: true } },
} as const;

const readQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'integer', minimum: 0, description: 'First stream position to return (inclusive)' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    direction: { type: 'string', enum: ['forwards', 'backwards'], default: 'forwards' },
  },
} as const;

const stateQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 0, description: 'State after this many events (at most the stream\'s version; more is a 400)' },
    at: { type: 'string', format: 'date-time', description: 'State as of this instant (ISO 8601)' },
  },
} as const;

type AppendBody = { events: NewEvent[]; expectedVersion?: ExpectedVersion };

/** Throws STREAM_DELETED for a tombstoned stream, STREAM_NOT_FOUND otherwise. */
async function missing(store: EventStore, streamId: string): Promise<never> {
  // Reading a tombstoned stream fails with STREAM_DELETED; anything else missing is just not found.
  for await (const _event of store.readStream(streamId, { limit: 1 })) break;
  throw new StreamNotFoundError(streamId);
}

function lifecycleOf(store: EventStore) {
  if (!hasStreamLifecycle(store)) throw new NotSupportedError('stream metadata and deletion', store.info.name);
  return store;
}
type ReadQuery = { from?: number; limit: number; direction: 'forwards' | 'backwards' };

/** Stream routes: append, read (paged), and state at a version or time. */
export function streamRoutes(app: FastifyInstance, options: { store: EventStore; auth: AuthOptions; stateModels: StateModels }): void {
  const { store, auth, stateModels } = options;

  app.post<{ Params: { streamId: string }; Body: AppendBody }>(
    '/v1/streams/:streamId',
    {
      onRequest: writeGuard(auth),
      schema: {
        tags: ['streams'],
        summary: 'Append events to a stream',
        params: streamIdParam,
        body: appendBody,
        security: [{ bearer: [] }],
        response: {
          201: appendedSchema,
          200: {
            ...appendedSchema,
            description: 'A repeat of a stored append (same event ids): its original positions; nothing written',
          },
          '4xx': problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { events, expectedVersion = 'any' } = request.body;
      const result = await store.append(request.params.streamId, events, expectedVersion);
      // A repeat of a stored append (same event ids) answers with its original positions.
      const { nextExpectedVersion, globalPosition } = result;
      return reply.code(result.replayed ? 200 : 201).send({ nextExpectedVersion, globalPosition });
    },
  );

  app.get<{ Params: { streamId: string }; Querystring: ReadQuery }>(
    '/v1/streams/:streamId',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['streams'],
        summary: "Read a stream's events, a page at a time",
        params: streamIdParam,
        querystring: readQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              streamId: { type: 'string' },
              version: { type: 'integer' },
              events: { type: 'array', items: wireEventSchema },
              next: { type: ['integer', 'null'], description: 'Pass as `from` for the next page; null at the end' },
            },
          },
          '4xx': problemSchema,
        },
      },
    },
    async (request) => {
      const { streamId } = request.params;
      const { from, limit, direction } = request.query;
      const info = (await store.getStreamInfo(streamId)) ?? (await missing(store, streamId));
      const events: RecordedEvent[] = [];
      for await (const event of store.readStream(streamId, { direction, limit: limit + 1, ...(from === undefined ? {} : { from }) })) events.push(event);
      const page = events.slice(0, limit);
      const following = events[limit];
      return { streamId, version: info.version, events: page.map(toWire), next: following ? following.streamPosition : null };
    },
  );

  app.get<{ Params: { streamId: string }; Querystring: { version?: number; at?: string } }>(
    '/v1/streams/:streamId/state',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['streams'],
        summary: 'The folded state of a stream, now or at a version or instant (time travel)',
        params: streamIdParam,
        querystring: stateQuery,
        response: { '4xx': problemSchema },
        documented: {
          200: {
            description: 'The state, folded by the category\'s state model',
            type: 'object',
            required: ['streamId', 'version', 'currentVersion', 'state'],
            properties: {
              streamId: { type: 'string' },
              version: { type: 'integer', description: 'Events folded' },
              currentVersion: { type: 'integer' },
              state: { description: 'Whatever the state model folds to' },
              at: { type: 'string', format: 'date-time' },
            },
          },
        },
      },
    },
    async (request) => {
      const { streamId } = request.params;
      const { version, at } = request.query;
      if (version !== undefined && at !== undefined) throw ValidationError.of('querystring', 'give either version or at, not both');
      const model = stateModels[categoryOf(streamId)];
      if (!model) throw new HttpProblem(404, 'STATE_NOT_AVAILABLE', `no state model is registered for streams of category "${categoryOf(streamId)}"`);
      const info = (await store.getStreamInfo(streamId)) ?? (await missing(store, streamId));
      if (version !== undefined && version > info.version) {
        throw ValidationError.of('querystring/version', `version ${version} is past the end of ${streamId}, which has ${info.version} events`);
      }
      const when = at === undefined ? undefined : new Date(at);
      const loaded = await stateAt(store, streamId, foldable(model), { ...(version === undefined ? {} : { version }), ...(when ? { at: when } : {}) });
      return { streamId, version: loaded.version, currentVersion: info.version, state: loaded.state, ...(when ? { at: when.toISOString() } : {}) };
    },
  );

  app.delete<{ Params: { streamId: string }; Querystring: { mode: 'soft' | 'hard'; expectedVersion?: number } }>(
    '/v1/streams/:streamId',
    {
      onRequest: writeGuard(auth),
      schema: {
        tags: ['streams'],
        summary: 'Delete a stream: soft (hidden, can be recreated) or hard (tombstone: appends refused forever)',
        params: streamIdParam,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { mode: { type: 'string', enum: ['soft', 'hard'], default: 'soft' }, expectedVersion: { type: 'integer', minimum: 0 } },
        },
        security: [{ bearer: [] }],
        response: { '4xx': problemSchema },
        documented: { 204: { description: 'Deleted; no body' } },
      },
    },
    async (request, reply) => {
      const { mode, expectedVersion } = request.query;
      await lifecycleOf(store).deleteStream(request.params.streamId, { mode, ...(expectedVersion === undefined ? {} : { expectedVersion }) });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { streamId: string } }>(
    '/v1/streams/:streamId/metadata',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['streams'],
        summary: "A stream's retention metadata and custom fields",
        params: streamIdParam,
        response: { '4xx': problemSchema },
        documented: { 200: metadataAnswer },
      },
    },
    async (request) => ({ streamId: request.params.streamId, metadata: await lifecycleOf(store).getStreamMetadata(request.params.streamId) }),
  );

  app.put<{ Params: { streamId: string }; Body: StreamMetadata }>(
    '/v1/streams/:streamId/metadata',
    {
      onRequest: writeGuard(auth),
      schema: {
        tags: ['streams'],
        summary: 'Replace a stream\'s metadata: maxCount, maxAge (seconds), truncateBefore, custom',
        params: streamIdParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            maxCount: { type: 'integer', minimum: 1 },
            maxAge: { type: 'integer', minimum: 1 },
            truncateBefore: { type: 'integer', minimum: 0 },
            custom: { type: 'object', additionalProperties: true },
          },
        },
        security: [{ bearer: [] }],
        response: { '4xx': problemSchema },
        documented: { 200: metadataAnswer },
      },
    },
    async (request) => {
      await lifecycleOf(store).setStreamMetadata(request.params.streamId, request.body);
      return { streamId: request.params.streamId, metadata: await lifecycleOf(store).getStreamMetadata(request.params.streamId) };
    },
  );

  app.get<{ Querystring: { prefix?: string; after?: string; limit: number } }>(
    '/v1/streams',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['streams'],
        summary: 'List streams by id prefix',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { prefix: { type: 'string' }, after: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        documented: {
          200: {
            description: 'A page of streams, by id',
            type: 'object',
            required: ['streams', 'next'],
            properties: {
              streams: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['streamId', 'version'],
                  properties: { streamId: { type: 'string' }, version: { type: 'integer' } },
                },
              },
              next: { type: ['string', 'null'], description: 'Pass as `after` for the next page; null at the end' },
            },
          },
        },
      },
    },
    async (request) => {
      const { prefix, after, limit } = request.query;
      const streams = [];
      for await (const info of store.listStreams({ limit: limit + 1, ...(prefix ? { prefix } : {}), ...(after ? { after } : {}) })) streams.push(info);
      const page = streams.slice(0, limit);
      return { streams: page, next: streams.length > limit ? page[page.length - 1]!.streamId : null };
    },
  );
}
