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

function matches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws 401 unless the request carries the token. */
export function requireToken(auth: AuthOptions, request: FastifyRequest): void {
  const header = request.headers.authorization ?? '';
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'bearer' || !value || !matches(value, auth.token)) {
    throw new HttpProblem(401, 'UNAUTHORIZED', header ? 'the bearer token is not valid' : 'this action needs Authorization: Bearer <token>');
  }
}

/** Route hook for writes and admin actions. */
export function writeGuard(auth: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => requireToken(auth, request);
}

/** Route hook for reads: open unless configured otherwise. */
export function readGuard(auth: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (auth.readsRequireToken) requireToken(auth, request);
  };
}
