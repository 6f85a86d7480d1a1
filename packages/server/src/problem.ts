import { allErrorCodes, isChronicleError, type ChronicleErrorCode } from '@chronicle/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Error codes the server itself raises, beyond core's catalogue. */
export const serverErrorCodes = {
  UNAUTHORIZED: 'The request needs `Authorization: Bearer <token>` with a valid token.',
  NOT_FOUND: 'No such route or resource.',
  METHOD_NOT_ALLOWED: 'The route exists but not for this method.',
  BODY_TOO_LARGE: 'The request body exceeds the configured limit.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be JSON (`Content-Type: application/json`).',
  STATE_NOT_AVAILABLE: 'No state model is registered for this stream category.',
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
  NOT_SUPPORTED: 422,
  STORE_CLOSED: 503,
  STORE_UNAVAILABLE: 503,
  DOMAIN_RULE_VIOLATED: 409,
  SUBJECT_FORGOTTEN: 410,
  CHECKPOINT_MOVED: 409,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STATE_NOT_AVAILABLE: 404,
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

/** Sends a problem as `application/problem+json`. */
export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

function fastifyProblem(error: FastifyError): Problem | undefined {
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
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'BODY_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', error.message);
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
export function toProblem(error: unknown, codeStatus: Readonly<Record<string, number>> = statusByCode): Problem {
  if (error instanceof HttpProblem) return problem(error.status, error.code, error.message, error.details);
  if (isChronicleError(error)) {
    const { code: _code, message: _message, name: _name, retryable, ...fields } = error.toJSON();
    const status = codeStatus[error.code] ?? statusByCode[error.code as keyof typeof statusByCode] ?? 409;
    return problem(status, error.code, error.message, { ...fields, ...(retryable ? { retryable: true } : {}) });
  }
  const fromFastify = fastifyProblem(error as FastifyError);
  if (fromFastify) return fromFastify;
  return problem(500, 'INTERNAL_ERROR', 'an unexpected error occurred; it was logged with this request id');
}

/** Fastify error handler answering every error with problem+json. */
export function problemErrorHandler(codeStatus?: Readonly<Record<string, number>>) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const body = { ...toProblem(error, codeStatus), instance: request.url };
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, status: body.status }, body.detail);
    return sendProblem(reply, body);
  };
}
