import type { FastifySchema } from 'fastify';
import { problemSchema } from '../wire.js';

/**
 * Answers documented in OpenAPI but not used to serialize (bodies whose shape
 * is the application's), by status: a JSON schema with a `description`, or
 * `{ description, content }` for another media type. A route gives them as
 * `schema.documented`.
 */
export type DocumentedResponses = Readonly<Record<number, unknown>>;

declare module 'fastify' {
  interface FastifySchema {
    /** {@link DocumentedResponses}: in the OpenAPI document, not used to serialize. */
    documented?: DocumentedResponses;
  }
}

/** A problem+json answer with what it means on every operation. */
function problemResponse(description: string): Record<string, unknown> {
  return { ...problemSchema, description };
}

/** Answers any operation can give, whatever its handler does (the framework, the router, the store, shutdown). */
const everywhere: Readonly<Record<number, string>> = {
  400: 'VALIDATION_FAILED: a parameter, query, header or body that is not valid (also a path that is not valid percent-encoding)',
  405: 'METHOD_NOT_ALLOWED: the path exists for other methods; `Allow` lists them',
  408: 'REQUEST_TIMEOUT: the request did not arrive in time',
  414: 'URI_TOO_LONG: the request line or a path parameter is longer than the server accepts',
  431: 'HEADERS_TOO_LARGE: the request headers are larger than the server accepts (`limit` in bytes)',
  503: 'STORE_UNAVAILABLE, STORE_CORRUPT or SHUTTING_DOWN: retry later or on another instance',
};

/** Answers of operations that may carry a body (anything but GET and HEAD). */
const withBody: Readonly<Record<number, string>> = {
  413: 'BODY_TOO_LARGE: the body is larger than the configured limit (`limit` in bytes)',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not `application/json`',
};

type RouteSchema = Omit<FastifySchema, 'response'> & {
  response?: Record<string, unknown>;
  security?: unknown;
  params?: unknown;
  operationId?: string;
  hide?: boolean;
};

/** `GET /v1/streams/:streamId/state` → `getV1StreamsStreamIdState`. */
function operationId(method: string, url: string): string {
  const words = url
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return `${method.toLowerCase()}${words.join('')}`;
}

/**
 * The `transform` of @fastify/swagger: completes each operation's documentation
 * with what the server answers on every route, so the document covers every
 * status a client can get — an operation id, its security (the bearer token
 * for writes; reads are open unless `readsRequireToken`), 400/405/408/414/431/503
 * everywhere, 413/415 where a body can be sent, 401 where a token is needed,
 * 404 where a path names a resource. Documentation only: the route's own
 * response schemas (used to serialize) are not changed.
 */
export function documentRoute(readsRequireToken: boolean) {
  return ({ schema, url, route }: { schema: FastifySchema; url: string; route: { method: string | string[] } }) => {
    const method = Array.isArray(route.method) ? route.method[0]! : route.method;
    const given = (schema ?? {}) as RouteSchema;
    if (given.hide) return { schema, url };
    const reads = method === 'GET' || method === 'HEAD';
    const security = given.security ?? (reads && readsRequireToken ? [{ bearer: [] }] : []);
    const secured = Array.isArray(security) && security.some((entry) => Object.keys(entry as object).length > 0);
    const response: Record<string, unknown> = {};
    const add = (status: number, description: string): void => {
      if (!(String(status) in (given.response ?? {})) && !(String(status) in (given.documented ?? {}))) {
        response[status] = problemResponse(description);
      }
    };
    for (const [status, description] of Object.entries(everywhere)) add(Number(status), description);
    if (!reads) for (const [status, description] of Object.entries(withBody)) add(Number(status), description);
    if (secured) add(401, 'UNAUTHORIZED: the request needs `Authorization: Bearer <token>` with the valid token');
    if (given.params) add(404, 'NOT_FOUND or STREAM_NOT_FOUND: what the path names does not exist');
    const { documented, ...rest } = given;
    return {
      schema: {
        ...rest,
        operationId: given.operationId ?? operationId(method, url),
        security,
        response: { ...response, ...documented, ...given.response },
      } as FastifySchema,
      url,
    };
  };
}
