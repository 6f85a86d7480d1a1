import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Body schema of a route that takes no body: nothing, or an empty JSON
 * object. A body with fields is refused (400), like unknown fields elsewhere.
 * Use it with {@link emptyBodyDefault} as the route's `preValidation` hook.
 */
export const emptyBodySchema = {
  type: 'object',
  additionalProperties: false,
  maxProperties: 0,
  description: 'No body is needed; an empty JSON object is accepted.',
} as const;

/** `preValidation` hook: a request sent without a body is validated as `{}`. */
export async function emptyBodyDefault(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
