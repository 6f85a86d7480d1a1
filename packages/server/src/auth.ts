import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.js';

/** Who may do what. */
export type AuthOptions = {
  /** The bearer token for writes and admin actions. */
  readonly token: string;
  /** Require the token for reads too (default: reads are open). */
  readonly readsRequireToken?: boolean;
};

/** `Authorization: Bearer <token68>` (RFC 6750 §2.1): one scheme, one credential, nothing after it. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** True when `token` can be sent as a bearer credential (RFC 6750 token68). */
export function isBearerToken(token: string): boolean {
  return BEARER.test(`Bearer ${token}`);
}

function matches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws 401 unless the request carries exactly `Authorization: Bearer <token>`. */
export function requireToken(auth: AuthOptions, request: FastifyRequest): void {
  const header = request.headers.authorization;
  if (!header) throw new HttpProblem(401, 'UNAUTHORIZED', 'this action needs Authorization: Bearer <token>');
  const credential = BEARER.exec(header)?.[1];
  if (credential === undefined) throw new HttpProblem(401, 'UNAUTHORIZED', 'the Authorization header must be exactly "Bearer <token>"');
  if (!matches(credential, auth.token)) throw new HttpProblem(401, 'UNAUTHORIZED', 'the bearer token is not valid');
}

/**
 * Hook for writes and admin actions. Register it as `onRequest`, so a request
 * without the token is refused before its body is read or validated.
 */
export function writeGuard(auth: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => requireToken(auth, request);
}

/** Hook for reads (register as `onRequest`): open unless configured otherwise. */
export function readGuard(auth: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (auth.readsRequireToken) requireToken(auth, request);
  };
}
