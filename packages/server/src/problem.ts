import { allErrorCodes, isChronicleError, type ChronicleErrorCode } from '@chronicle/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Error codes the server itself raises, beyond core's catalogue. */
export const serverErrorCodes = {
  UNAUTHORIZED: 'The request needs `Authorization: Bearer <token>` with a valid token.',
  NOT_FOUND: 'No such route or resource.',
  METHOD_NOT_ALLOWED: 'The route exists but not for this method.',
  BODY_TOO_LARGE: 'The request body exceeds the configured limit.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be JSON (`Content-Type: application/json`).',
  URI_TOO_LONG: 'The request URL (or one of its path parameters) is longer than the server accepts.',
  HEADERS_TOO_LARGE: 'The request headers are larger than the server accepts.',
  REQUEST_TIMEOUT: 'The client did not send the whole request in time.',
  STATE_NOT_AVAILABLE: 'No state model is registered for this stream category.',
  TOO_MANY_SUBSCRIBERS: 'The server has as many live subscriptions as it is configured for; retry after `Retry-After` seconds.',
  SHUTTING_DOWN: 'The server is shutting down and takes no new requests; retry on another instance or after the restart.',
  INTERNAL_ERROR: 'An unexpected failure; it is logged with the request id. Please report it.',
} as const;

/** HTTP status for every code Chronicle and the server raise. Application codes (DomainError) default to 409. */
export const statusByCode: Readonly<Record<ChronicleErrorCode | keyof typeof serverErrorCodes, number>> = {
  WRONG_EXPECTED_VERSION: 409,
  STREAM_NOT_FOUND: 404,
  STREAM_DELETED: 410,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  DUPLICATE_EVENT_ID: 409,
  RETRY_MISMATCH: 409,
  NOT_SUPPORTED: 422,
  STORE_CLOSED: 503,
  STORE_UNAVAILABLE: 503,
  STORE_CORRUPT: 503,
  DOMAIN_RULE_VIOLATED: 409,
  SUBJECT_FORGOTTEN: 410,
  CHECKPOINT_MOVED: 409,
  BROKER_DELIVERY_FAILED: 503,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  STATE_NOT_AVAILABLE: 404,
  TOO_MANY_SUBSCRIBERS: 503,
  SHUTTING_DOWN: 503,
  INTERNAL_ERROR: 500,
};

/** Every code the server can answer with. */
export const allServerCodes: readonly string[] = [...allErrorCodes, ...Object.keys(serverErrorCodes)];

/** An RFC 9457 problem document, plus Chronicle's stable `code` and structured details. */
export type Problem = {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly [key: string]: unknown;
};

/** An error the server answers with directly. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function title(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((word, i) => (i === 0 ? word[0]!.toUpperCase() + word.slice(1) : word))
    .join(' ');
}

/** Builds a problem document. */
export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `/problems/${code}`, title: title(code), status, detail, code, ...extra };
}

/** Sends a problem as `application/problem+json`, with the request id in the body and the `x-request-id` header. */
export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  const requestId = String(reply.request.id);
  return reply
    .code(body.status)
    .header('x-request-id', requestId)
    .type('application/problem+json; charset=utf-8')
    .send({ ...body, requestId });
}

/** The body limit of the route a request was sent to (the server's when the route sets none). */
function bodyLimitOf(request: FastifyRequest | undefined): number | undefined {
  const limit = request?.routeOptions?.bodyLimit;
  return typeof limit === 'number' ? limit : undefined;
}

function bytes(limit: number): string {
  return limit >= 1024 * 1024 && limit % (1024 * 1024) === 0 ? `${limit} bytes (${limit / 1024 / 1024} MiB)` : `${limit} bytes`;
}

function fastifyProblem(error: FastifyError, request?: FastifyRequest): Problem | undefined {
  if (error.validation) {
    const issues = error.validation.map((v) => ({
      path: [error.validationContext, ...v.instancePath.split('/').filter(Boolean), (v.params as { additionalProperty?: string }).additionalProperty]
        .filter(Boolean)
        .join('.'),
      message: v.message ?? 'is invalid',
    }));
    return problem(400, 'VALIDATION_FAILED', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = bodyLimitOf(request);
      return limit === undefined
        ? problem(413, 'BODY_TOO_LARGE', 'the request body exceeds the body limit')
        : problem(413, 'BODY_TOO_LARGE', `the request body exceeds the limit of ${bytes(limit)}`, { limit });
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const given = request?.headers['content-type'];
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', `the request body must be application/json${given ? `, not ${given}` : ''}`, { accepted: ['application/json'] });
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'VALIDATION_FAILED', 'the request body is empty; send a JSON document');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'VALIDATION_FAILED', `the request body is not valid JSON: ${error.message}`);
    default:
      if (error.statusCode === 400 && error instanceof SyntaxError) return problem(400, 'VALIDATION_FAILED', `the request body is not valid JSON: ${error.message}`);
      return undefined;
  }
}

/** Maps any thrown error to a problem document. Unknown errors become 500 INTERNAL_ERROR (and are bugs). */
export function toProblem(error: unknown, codeStatus: Readonly<Record<string, number>> = statusByCode, request?: FastifyRequest): Problem {
  if (error instanceof HttpProblem) return problem(error.status, error.code, error.message, error.details);
  if (isChronicleError(error)) {
    const { code: _code, message: _message, name: _name, retryable, ...fields } = error.toJSON();
    const status = codeStatus[error.code] ?? statusByCode[error.code as keyof typeof statusByCode] ?? 409;
    return problem(status, error.code, error.message, { ...fields, ...(retryable ? { retryable: true } : {}) });
  }
  const fromFastify = fastifyProblem(error as FastifyError, request);
  if (fromFastify) return fromFastify;
  return problem(500, 'INTERNAL_ERROR', 'an unexpected error occurred; it was logged with this request id');
}

/** Fastify error handler answering every error with problem+json. */
export function problemErrorHandler(codeStatus?: Readonly<Record<string, number>>) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const body: Problem = { ...toProblem(error, codeStatus, request), instance: request.url };
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, status: body.status }, body.detail);
    if (body.status === 503 && body.retryable === true) reply.header('retry-after', '1');
    return sendProblem(reply, body);
  };
}
