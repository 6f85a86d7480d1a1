import type { FastifyInstance } from 'fastify';
import { readGuard, type AuthOptions } from '../auth.js';
import { HttpProblem } from '../problem.js';
import type { Catalog } from '../catalog/catalog.js';
import { problemSchema } from '../wire.js';

const paging = {
  after: { type: 'string', description: 'Paging cursor: the `next` of the previous page' },
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
} as const;

const typeEntry = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    events: { type: 'integer' },
    streams: { type: 'integer' },
    firstPosition: { type: 'integer' },
    lastPosition: { type: 'integer' },
    lastRecordedAt: { type: 'string' },
  },
} as const;

const typeStreamEntry = {
  type: 'object',
  properties: { streamId: { type: 'string' }, type: { type: 'string' }, events: { type: 'integer' }, firstPosition: { type: 'integer' }, lastPosition: { type: 'integer' } },
} as const;

const categoryEntry = {
  type: 'object',
  properties: { category: { type: 'string' }, streams: { type: 'integer' }, events: { type: 'integer' }, lastPosition: { type: 'integer' } },
} as const;

const listOf = (key: string, item: object) =>
  ({ type: 'object', properties: { [key]: { type: 'array', items: item }, next: { type: ['string', 'null'] } } }) as const;

const catalogNote = 'From the catalog read model: eventually consistent, its lag is `chronicle-catalog` in GET /v1/projections.';

/** Event-type and category search, backed by the catalog; 422 NOT_SUPPORTED when the store keeps no read models. */
export function catalogRoutes(app: FastifyInstance, options: { catalog: Catalog | undefined; auth: AuthOptions }): void {
  const { auth } = options;
  const catalog = (): Catalog => {
    if (!options.catalog) throw new HttpProblem(422, 'NOT_SUPPORTED', 'there is no event-type catalog: the store hosts no read models, or the catalog is disabled');
    return options.catalog;
  };

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/v1/event-types',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['catalog'],
        summary: 'Event types with their event and stream counts',
        description: catalogNote,
        querystring: { type: 'object', additionalProperties: false, properties: paging },
        response: { 200: listOf('types', typeEntry), '4xx': problemSchema },
      },
    },
    async (request) => {
      const { items, next } = await catalog().eventTypes(request.query);
      return { types: items, next };
    },
  );

  app.get<{ Params: { type: string }; Querystring: { prefix?: string; after?: string; limit: number } }>(
    '/v1/event-types/:type/streams',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['catalog'],
        summary: 'Streams holding events of a type, by stream id (optionally by id prefix too)',
        description: catalogNote,
        params: { type: 'object', required: ['type'], properties: { type: { type: 'string', minLength: 1, maxLength: 256 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { prefix: { type: 'string' }, ...paging } },
        response: { 200: { ...listOf('streams', typeStreamEntry), properties: { ...listOf('streams', typeStreamEntry).properties, type: { type: 'string' } } }, '4xx': problemSchema },
      },
    },
    async (request) => {
      const { type } = request.params;
      const { items, next } = await catalog().streamsWithType(type, request.query);
      return { type, streams: items, next };
    },
  );

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/v1/categories',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['catalog'],
        summary: 'Stream categories (the id before the first `-`) with their stream and event counts',
        description: catalogNote,
        querystring: { type: 'object', additionalProperties: false, properties: paging },
        response: { 200: listOf('categories', categoryEntry), '4xx': problemSchema },
      },
    },
    async (request) => {
      const { items, next } = await catalog().categories(request.query);
      return { categories: items, next };
    },
  );
}
