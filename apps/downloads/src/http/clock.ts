import { ValidationError } from '@chronicle/core';
import type { FastifyRequest } from 'fastify';

/**
 * The instant a request pins, if any: only when the service runs with
 * DOWNLOADS_ALLOW_CLOCK_OVERRIDE=1, the `X-Chronicle-Now` header, so rolling
 * years and expiry can be tested and demonstrated without waiting. Without it
 * (undefined) the service reads its clock afresh for every decision attempt.
 */
export function pinnedInstant(allowOverride: boolean) {
  return (request: FastifyRequest): Date | undefined => {
    const header = request.headers['x-chronicle-now'];
    if (header === undefined) return undefined;
    if (!allowOverride) {
      throw ValidationError.of('headers.x-chronicle-now', 'is honoured only when the service runs with DOWNLOADS_ALLOW_CLOCK_OVERRIDE=1');
    }
    const value = Array.isArray(header) ? header[0] : header;
    const at = new Date(value ?? '');
    if (Number.isNaN(at.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(value ?? '')) {
      throw ValidationError.of('headers.x-chronicle-now', 'must be an ISO 8601 date-time');
    }
    return at;
  };
}
