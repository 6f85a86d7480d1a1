import { randomUUID } from 'node:crypto';
import { errorCodes, type EventStore, type ProjectionHost } from '@chronicle/core';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { AuthOptions } from './auth.js';
import { createCatalog, type Catalog } from './catalog/catalog.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { HttpProblem, problem, problemErrorHandler, sendProblem, serverErrorCodes, statusByCode } from './problem.js';
import type { RegisteredProjection } from './projection-registry.js';
import { catalogRoutes } from './routes/catalog.js';
import { globalLogRoutes } from './routes/global-log.js';
import { projectionRoutes } from './routes/projections.js';
import { streamRoutes } from './routes/streams.js';
import type { StateModels } from './state-models.js';
import { tracedStore } from './tracing.js';

/** What an application plugin receives to add its own routes. */
export type ServerContext = {
  readonly store: EventStore;
  readonly auth: AuthOptions;
  readonly metrics: ServerMetrics;
};

/** Options of {@link createServer}. */
export type ServerOptions = {
  readonly store: EventStore;
  readonly auth: AuthOptions;
  /** State models by stream category for `GET /v1/streams/:id/state`. */
  readonly stateModels?: StateModels;
  /** Projections and reactors to report on (and rebuild). */
  readonly projections?: readonly RegisteredProjection[];
  /** HTTP status of application error codes (`DomainError` codes default to 409). */
  readonly codeStatus?: Readonly<Record<string, number>>;
  /** Largest accepted request body in bytes (default 5 MiB). */
  readonly bodyLimit?: number;
  /** A pino logger (or `false` to disable logging). */
  readonly logger?: FastifyServerOptions['loggerInstance'] | false;
  /** Application routes, registered after the generic API. */
  readonly plugins?: readonly ((app: FastifyInstance, context: ServerContext) => void | Promise<void>)[];
  /** Serve OpenAPI at /docs (default true). */
  readonly docs?: boolean;
  /**
   * Keep the event-type and category catalog (`/v1/event-types`, `/v1/categories`)
   * as a read model in the store's documents. Default: on when the store hosts
   * projections (`store.projections`); it then runs while the server is open.
   */
  readonly catalog?: boolean;
};

function projectionHostOf(store: EventStore): ProjectionHost<unknown> | undefined {
  const host = (store as EventStore & { projections?: ProjectionHost<unknown> }).projections;
  return host && typeof host.transaction === 'function' ? host : undefined;
}

/**
 * Builds the Chronicle HTTP server (not yet listening): the generic event-store
 * API under `/v1`, `/health`, `/metrics`, OpenAPI at `/docs`, every error as
 * `application/problem+json`. Writes need the bearer token; reads are open
 * unless `auth.readsRequireToken`.
 */
export async function createServer(options: ServerOptions): Promise<{ app: FastifyInstance; metrics: ServerMetrics }> {
  const store = tracedStore(options.store);
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    // Stream ids are up to 256 characters, so up to 768 once percent-encoded.
    routerOptions: { maxParamLength: 1024 },
  });
  // Query strings and path parameters are text, so they are coerced ("5" → 5);
  // JSON bodies are taken as sent: {"type": 5} is an error, not "5".
  const validators = {
    coercing: addFormats.default(new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true, strict: false })),
    exact: addFormats.default(new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: true, strict: false })),
  };
  // Bodies are JSON only: anything else is 415, not a string that fails validation later.
  app.removeContentTypeParser(['text/plain']);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? validators.exact : validators.coercing).compile(schema));
  const host = options.catalog === false ? undefined : projectionHostOf(options.store);
  const catalog: Catalog | undefined = host ? createCatalog({ store, host, logger: app.log }) : undefined;
  const projections = [...(options.projections ?? []), ...(catalog ? [catalog.registered] : [])];
  if (catalog) {
    app.addHook('onReady', async () => catalog.runner.start());
    app.addHook('onClose', async () => catalog.runner.stop());
  }
  const metrics = createMetrics(store, () => projections);
  const codeStatus: Readonly<Record<string, number>> = { ...statusByCode, ...options.codeStatus };

  app.setErrorHandler(problemErrorHandler(codeStatus));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, { ...problem(404, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`), instance: request.url }));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  if (options.docs !== false) {
    await app.register(swagger, {
      openapi: {
        info: { title: 'Chronicle API', version: '0.1.0', description: 'Event store HTTP API. Errors are application/problem+json with a stable `code`.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  const context: ServerContext = { store, auth: options.auth, metrics };
  streamRoutes(app, { store, auth: options.auth, stateModels: options.stateModels ?? {} });
  globalLogRoutes(app, { store, auth: options.auth, onSubscriber: (delta) => metrics.subscribers.inc(delta) });
  projectionRoutes(app, { projections, auth: options.auth });
  catalogRoutes(app, { catalog, auth: options.auth });

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    try {
      return { status: 'ok', head: await store.headPosition(), store: store.info.name };
    } catch (error) {
      return sendProblem(reply, problem(503, 'STORE_UNAVAILABLE', `the store is not reachable: ${(error as Error).message}`));
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get<{ Params: { code: string } }>('/problems/:code', { schema: { hide: true } }, async (request) => {
    const { code } = request.params;
    const description = (errorCodes as Record<string, string>)[code] ?? (serverErrorCodes as Record<string, string>)[code];
    if (!description) throw new HttpProblem(404, 'NOT_FOUND', `no problem type ${code}`);
    return { code, status: codeStatus[code], description };
  });

  for (const plugin of options.plugins ?? []) await plugin(app, context);
  return { app, metrics };
}
