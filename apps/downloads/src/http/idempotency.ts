import { createHash } from 'node:crypto';
import { ValidationError, type ProjectionHost } from '@chronicle/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyKeyReusedError } from '../domain/errors.js';

const COLLECTION = '$http-responses';

type StoredResponse = { readonly fingerprint: string; readonly status: number; readonly body: unknown; readonly headers: Record<string, string> };

function fingerprint(request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url.split('?')[0]} ${JSON.stringify(request.body ?? null)}`).digest('hex');
}

/** The request's `Idempotency-Key`, validated. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
    throw ValidationError.of('headers.idempotency-key', 'must be 1 to 200 visible ASCII characters');
  }
  return key;
}

/**
 * `Idempotency-Key` on a POST: a retry returns the original response (status,
 * body, headers) and writes nothing new. The command underneath also carries
 * the key as its request id, so even two identical requests racing each other
 * append once and answer the same.
 */
export async function idempotentResponse(
  host: Pick<ProjectionHost<unknown>, 'documents' | 'transaction'>,
  request: FastifyRequest,
  reply: FastifyReply,
  handle: (key: string | undefined) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>,
): Promise<FastifyReply> {
  const key = idempotencyKey(request);
  const print = fingerprint(request);
  if (key) {
    const stored = await host.documents.get<StoredResponse>(COLLECTION, key);
    if (stored) {
      if (stored.fingerprint !== print) throw new IdempotencyKeyReusedError(key);
      return reply.code(stored.status).headers({ ...stored.headers, 'idempotent-replayed': 'true' }).send(stored.body);
    }
  }
  const result = await handle(key);
  if (key && result.status < 500) {
    // Storing the response is an optimisation: correctness comes from the request id on the events.
    await host
      .transaction((tx) => tx.documents.create(COLLECTION, key, { fingerprint: print, status: result.status, body: result.body, headers: result.headers ?? {} }))
      .catch((error: unknown) => request.log.warn({ err: error }, 'could not store the idempotent response'));
  }
  return reply.code(result.status).headers(result.headers ?? {}).send(result.body);
}
