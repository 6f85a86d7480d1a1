import { errorCodes, type EventStore, type ProjectionHost } from '@chronicle/core';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { isBearerToken, type AuthOptions } from './auth.js';
import { createCatalog, type Catalog } from './catalog/catalog.js';
import { trackConnections } from './http/connection-drain.js';
import { clientErrorHandler, frameworkErrorHandler, requestIdOf } from './http/framework-errors.js';
import { documentRoute } from './http/openapi.js';
import { jsonDepthExceeds } from './http/json-depth.js';
import { createMethodTable } from './http/method-table.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { HttpProblem, problem, problemErrorHandler, sendProblem, serverErrorCodes, statusByCode } from './problem.js';
import type { RegisteredProjection } from './projection-registry.js';
import { catalogRoutes } from './routes/catalog.js';
import { globalLogRoutes } from './routes/global-log.js';
import { projectionRoutes } from './routes/projections.js';
import { createSseHub } from './sse/sse-hub.js';
import { createStoreHealth } from './store-health.js';
import { resolveSseOptions, type SseOptions } from './sse/sse-options.js';
import { streamRoutes } from './routes/streams.js';
import type { StateModels } from './state-models.js';
import { tracedStore } from './tracing.js';
import { problemSchema } from './wire.js';

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
  /** Deepest accepted nesting of arrays and objects in a JSON body (default 64). */
  readonly maxJsonDepth?: number;
  /** One line per application error code, served at `/problems/:code` (codes of `codeStatus` without one get a generic line). */
  readonly codeDescriptions?: Readonly<Record<string, string>>;
  /** A pino logger (or `false` to disable logging). */
  readonly logger?: FastifyServerOptions['loggerInstance'] | false;
  /** Application routes, registered after the generic API. */
  readonly plugins?: readonly ((app: FastifyInstance, context: ServerContext) => void | Promise<void>)[];
  /** Bounds of `GET /v1/subscribe`: subscriber limit, per-client buffer, stall timeout, heartbeat. */
  readonly sse?: SseOptions;
  /**
   * On close, how long requests in flight may take to finish before their
   * connections are cut, in ms (default 3,000). Event streams end at once.
   */
  readonly shutdownGraceMs?: number;
  /** Serve OpenAPI at /docs (default true). */
  readonly docs?: boolean;
  /**
   * Keep the event-type and category catalog (`/v1/event-types`, `/v1/categories`)
   * as a read model in the store's documents. Default: on when the store hosts
   * projections (`store.projections`); it then runs while the server is open.
   */
  readonly catalog?: boolean;
};

/** What a code means, only for codes the server can really answer with (own keys, never `__proto__` or `constructor`). */
function problemDescription(code: string, codeStatus: Readonly<Record<string, number>>, extra: Readonly<Record<string, string>> = {}): string | undefined {
  if (Object.hasOwn(errorCodes, code)) return errorCodes[code as keyof typeof errorCodes];
  if (Object.hasOwn(serverErrorCodes, code)) return serverErrorCodes[code as keyof typeof serverErrorCodes];
  if (!Object.hasOwn(codeStatus, code)) return undefined;
  return Object.hasOwn(extra, code) ? extra[code] : `An application error code (HTTP ${codeStatus[code]}).`;
}

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
  if (!isBearerToken(options.auth.token)) {
    throw new Error('the API token must be 1 or more characters of A-Z a-z 0-9 - . _ ~ + / (optionally ending in =), as a bearer token');
  }
  const store = tracedStore(options.store);
  const sseOptions = resolveSseOptions(options.sse);
  const bodyLimit = options.bodyLimit ?? 5 * 1024 * 1024;
  const maxJsonDepth = options.maxJsonDepth ?? 64;
  // Stream ids are up to 256 characters, so up to 768 once percent-encoded.
  const maxParamLength = 1024;
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit,
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength },
    frameworkErrors: frameworkErrorHandler,
    // Requests that arrive while closing get a problem+json 503 from the onRequest hook below instead.
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(),
  });
  // Query strings and path parameters are text, so they are coerced ("5" → 5);
  // JSON bodies are taken as sent: {"type": 5} is an error, not "5".
  const validators = {
    coercing: addFormats.default(new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true, strict: false })),
    exact: addFormats.default(new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: true, strict: false })),
  };
  // Bodies are JSON only: anything else is 415, not a string that fails validation later.
  app.removeContentTypeParser(['text/plain']);
  // Nesting is bounded before parsing, so no later JSON.stringify or walk of the body can overflow the stack.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, maxJsonDepth)) {
      done(new HttpProblem(400, 'VALIDATION_FAILED', `the request body nests arrays and objects deeper than ${maxJsonDepth} levels`, { limit: maxJsonDepth }), undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? validators.exact : validators.coercing).compile(schema));
  const methods = createMethodTable(maxParamLength);
  app.addHook('onRoute', (route) => methods.add(route.method, route.url));
  const host = options.catalog === false ? undefined : projectionHostOf(options.store);
  const catalog: Catalog | undefined = host ? createCatalog({ store, host, logger: app.log }) : undefined;
  const projections = [...(options.projections ?? []), ...(catalog ? [catalog.registered] : [])];
  if (catalog) {
    app.addHook('onReady', async () => catalog.runner.start());
    app.addHook('onClose', async () => catalog.runner.stop());
  }
  const metrics = createMetrics(store, () => projections);
  const codeStatus: Readonly<Record<string, number>> = { ...statusByCode, ...options.codeStatus };

  const health = createStoreHealth();
  const answerProblem = problemErrorHandler(codeStatus);
  app.setErrorHandler((error, request, reply) => {
    health.note(error);
    return answerProblem(error, request, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    // A route that matched and then found nothing (a missing static file) is a 404, not a 405.
    const allowed = methods.allowed(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, { ...problem(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; it answers ${allowed.join(', ')}`, { allowed }), instance: request.url });
    }
    return sendProblem(reply, { ...problem(404, 'NOT_FOUND', `no route for ${request.method} ${path}`), instance: request.url });
  });
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
        openapi: '3.1.0',
        info: {
          title: 'Chronicle API',
          version: '0.1.0',
          description: 'Event store HTTP API. Errors are application/problem+json with a stable `code`.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        servers: [{ url: '/', description: 'This server' }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
      transform: documentRoute(options.auth.readsRequireToken === true),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  const context: ServerContext = { store, auth: options.auth, metrics };
  streamRoutes(app, { store, auth: options.auth, stateModels: options.stateModels ?? {} });
  const hub = createSseHub(store, sseOptions, metrics, app.log, (error) => health.note(error));
  const connections = trackConnections(app.server);
  let closing = false;
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close').header('retry-after', '5');
    throw new HttpProblem(503, 'SHUTTING_DOWN', 'the server is shutting down; retry on another instance or after the restart');
  });
  // Before the listener closes: event streams end (clients reconnect elsewhere or later), idle connections close,
  // requests in flight get shutdownGraceMs to finish.
  app.addHook('preClose', async () => {
    closing = true;
    hub.close();
    connections.drain(options.shutdownGraceMs ?? 3_000);
  });
  app.addHook('onClose', async () => connections.stop());
  globalLogRoutes(app, { store, auth: options.auth, hub });
  projectionRoutes(app, { projections, auth: options.auth });
  catalogRoutes(app, { catalog, auth: options.auth });

  const healthy = {
    type: 'object',
    required: ['status', 'head', 'store'],
    properties: {
      status: { type: 'string', enum: ['ok', 'degraded'] },
      head: { type: 'integer' },
      store: { type: 'string' },
      problems: { type: 'array' },
    },
  } as const;
  const healthSchema = {
    tags: ['operations'],
    summary: 'Whether the store answers: 200 ok, 503 degraded (damaged pages met) or STORE_UNAVAILABLE',
    documented: {
      200: { ...healthy, description: 'The store answers' },
      503: {
        description: 'Degraded (damaged pages met: `problems` lists them) or the store is unreachable (problem+json)',
        anyOf: [healthy, problemSchema],
      },
    },
  };
  app.get('/health', { schema: healthSchema }, async (_request, reply) => {
    try {
      const head = await store.headPosition();
      const problems = health.problems();
      // Damaged pages: the store still answers, but some reads fail; a balancer should stop sending traffic here.
      if (problems.length > 0) return reply.code(503).send({ status: 'degraded', head, store: store.info.name, problems });
      return { status: 'ok', head, store: store.info.name };
    } catch (error) {
      health.note(error);
      return sendProblem(reply, problem(503, 'STORE_UNAVAILABLE', `the store is not reachable: ${(error as Error).message}`));
    }
  });
  const metricsSchema = {
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format)',
    documented: {
      200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
    },
  };
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  const problemTypeSchema = {
    tags: ['operations'],
    summary: 'What an error code means (the `type` of every problem+json answer)',
    params: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
    documented: {
      200: {
        description: 'The code, its HTTP status and what it means',
        type: 'object',
        required: ['code', 'status', 'description'],
        properties: { code: { type: 'string' }, status: { type: 'integer' }, description: { type: 'string' } },
      },
    },
  };
  app.get<{ Params: { code: string } }>('/problems/:code', { schema: problemTypeSchema }, async (request) => {
    const { code } = request.params;
    const description = problemDescription(code, codeStatus, options.codeDescriptions);
    if (description === undefined) throw new HttpProblem(404, 'NOT_FOUND', `no problem type ${code}`);
    return { code, status: codeStatus[code], description };
  });

  for (const plugin of options.plugins ?? []) await plugin(app, context);
  return { app, metrics };
}
