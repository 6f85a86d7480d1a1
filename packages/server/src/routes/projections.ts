import type { ConsumerStatus } from '@chronicle/core';
import type { FastifyInstance } from 'fastify';
import { readGuard, writeGuard, type AuthOptions } from '../auth.js';
import { emptyBodyDefault, emptyBodySchema } from '../http/empty-body.js';
import { HttpProblem } from '../problem.js';
import { problemSchema } from '../wire.js';
import type { RegisteredProjection } from '../projection-registry.js';

/** Projection status and rebuilds. */
export function projectionRoutes(app: FastifyInstance, options: { projections: readonly RegisteredProjection[]; auth: AuthOptions }): void {
  const { projections, auth } = options;
  const rebuilds = new Map<string, { status: 'running' | 'done' | 'failed'; progress?: ConsumerStatus; error?: string; startedAt: string }>();

  app.get(
    '/v1/projections',
    {
      onRequest: readGuard(auth),
      schema: {
        tags: ['projections'],
        summary: 'Position, lag and status of every projection and reactor',
        documented: {
          200: {
            description: 'Every projection and reactor',
            type: 'object',
            required: ['projections'],
            properties: {
              projections: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'kind', 'rebuildable'],
                  properties: { name: { type: 'string' }, kind: { type: 'string' }, rebuildable: { type: 'boolean' } },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      projections: await Promise.all(
        projections.map(async (p) => ({ kind: p.kind, ...(await p.status()), rebuildable: Boolean(p.rebuild), rebuild: rebuilds.get(p.name) ?? null })),
      ),
    }),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/projections/:name/rebuild',
    {
      onRequest: writeGuard(auth),
      preValidation: emptyBodyDefault,
      schema: {
        tags: ['projections'],
        summary: 'Start a blue-green rebuild (202); follow progress in GET /v1/projections',
        params: { type: 'object', properties: { name: { type: 'string' } } },
        body: emptyBodySchema,
        security: [{ bearer: [] }],
        response: { '4xx': problemSchema },
        documented: {
          202: {
            description: 'The rebuild runs (or already ran): follow it in GET /v1/projections',
            type: 'object',
            required: ['name', 'status'],
            properties: { name: { type: 'string' }, status: { type: 'string', enum: ['running'] } },
          },
        },
      },
    },
    async (request, reply) => {
      const projection = projections.find((p) => p.name === request.params.name);
      if (!projection) throw new HttpProblem(404, 'NOT_FOUND', `no projection named ${request.params.name}`);
      if (!projection.rebuild) throw new HttpProblem(422, 'NOT_SUPPORTED', `${projection.name} cannot be rebuilt`);
      if (rebuilds.get(projection.name)?.status === 'running') return reply.code(202).send({ name: projection.name, status: 'running' });
      const entry: { status: 'running' | 'done' | 'failed'; progress?: ConsumerStatus; error?: string; startedAt: string } = { status: 'running', startedAt: new Date().toISOString() };
      rebuilds.set(projection.name, entry);
      projection
        .rebuild((progress) => {
          entry.progress = progress;
        })
        .then(
          () => (entry.status = 'done'),
          (error: unknown) => {
            entry.status = 'failed';
            entry.error = error instanceof Error ? error.message : String(error);
            request.log.error({ err: error, projection: projection.name }, 'rebuild failed');
          },
        );
      return reply.code(202).send({ name: projection.name, status: 'running' });
    },
  );
}
