import { StoreUnavailableError, ValidationError, type Logger, type ProjectionHost } from '@chronicle/core';
import { emptyBodyDefault, emptyBodySchema, problemSchema, writeGuard, type AuthOptions, type ServerContext } from '@chronicle/server';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { ZodError } from 'zod';
import { FallbackJournal, isStoreOutage, outageAsUnavailable, type FallbackEntry } from '../fallback.js';
import { defaultRules, rulesJsonSchema, type RulesSource } from '../rules.js';
import type { DownloadsService } from '../service.js';
import { toWire, wireEventSchema } from '@chronicle/server';
import { pinnedInstant } from './clock.js';
import { idempotentResponse } from './idempotency.js';

const id = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:@-]+$' } as const;
const licenseParams = { type: 'object', required: ['licenseId'], properties: { licenseId: id } } as const;
const customerParams = { type: 'object', required: ['customerId'], properties: { customerId: id } } as const;
const headers = {
  type: 'object',
  properties: {
    'idempotency-key': { type: 'string', description: 'Retrying with the same key returns the original response and writes nothing new' },
    'x-chronicle-now': { type: 'string', description: 'Handle as if at this ISO instant (only with DOWNLOADS_ALLOW_CLOCK_OVERRIDE=1)' },
  },
} as const;
const grant = { type: 'object', properties: { licenseId: { type: 'string' }, expiresAt: { type: 'string' }, fallback: { type: 'boolean' } } } as const;

function isOutcomeUnknown(error: unknown): boolean {
  return (error as { outcomeUnknown?: unknown }).outcomeUnknown === true;
}

/** Everything the Downloads routes need. */
export type DownloadsRouteOptions = {
  readonly service: DownloadsService;
  readonly host: Pick<ProjectionHost<unknown>, 'documents' | 'transaction'>;
  readonly rules: RulesSource;
  readonly journal: FallbackJournal;
  readonly allowClockOverride: boolean;
  /** The instance's clock (fallback grants read it). */
  readonly clock: () => Date;
  /** This instance's name (`GET /health/live`). */
  readonly instance: string;
  readonly logger: Logger;
};

/** The Downloads API as a server plugin. */
export function downloadsRoutes(options: DownloadsRouteOptions) {
  return (app: FastifyInstance, context: ServerContext): void => {
    const { service, host, rules, journal } = options;
    const auth: AuthOptions = context.auth;
    const pinned = pinnedInstant(options.allowClockOverride);
    const fallbacks = new Counter({ name: 'downloads_fallback_total', help: 'Licenses granted by the fallback because the store was unavailable', registers: [context.metrics.registry] });
    new Gauge({
      name: 'downloads_fallback_pending',
      help: 'Fallback licenses not yet written to the store',
      registers: [context.metrics.registry],
      collect() {
        this.set(journal.pending().length);
      },
    });
    const outcomes = new Counter({ name: 'downloads_acquisitions_total', help: 'License acquisitions by outcome', labelNames: ['outcome'] as const, registers: [context.metrics.registry] });

    app.post<{ Body: { customerId: string; deviceId: string; titleId: string; studioId: string } }>(
      '/v1/licenses',
      {
        schema: {
          tags: ['downloads'],
          summary: 'Acquire a license for a download',
          headers,
          body: { type: 'object', required: ['customerId', 'deviceId', 'titleId', 'studioId'], additionalProperties: false, properties: { customerId: id, deviceId: id, titleId: id, studioId: id } },
          response: { 201: grant, '4xx': problemSchema },
        },
      },
      async (request, reply) => {
        const now = pinned(request);
        try {
          return await idempotentResponse(host, request, reply, async (key) => {
            try {
              const granted = await service.acquire(request.body, { ...(now ? { now } : {}), ...(key ? { requestId: key } : {}) });
              outcomes.inc({ outcome: 'granted' });
              return { status: 201, body: granted };
            } catch (error) {
              if (!isStoreOutage(error)) outcomes.inc({ outcome: (error as { code?: string }).code ?? 'error' });
              throw error;
            }
          });
        } catch (error) {
          if (!isStoreOutage(error)) throw error;
          // The store is down: err on the side of the customer (seed 003), and say so.
          const key = request.headers['idempotency-key'];
          let entry: FallbackEntry;
          try {
            entry = journal.grant({ ...request.body, ...(typeof key === 'string' ? { idempotencyKey: key } : {}) }, now ?? options.clock(), rules);
          } catch (journalError) {
            // No durable record, no grant: a license the reconciler could never write back would be lost.
            outcomes.inc({ outcome: 'unavailable' });
            request.log.error({ err: journalError, storeError: (error as Error).message }, 'store unavailable and the fallback journal could not be written');
            const reason = (journalError as { code?: unknown }).code ?? (journalError as Error).message;
            throw new StoreUnavailableError(`the store is unavailable and the fallback journal could not be written (${String(reason)}); no license was granted, retry later`, isOutcomeUnknown(error), {
              cause: journalError,
            });
          }
          fallbacks.inc();
          outcomes.inc({ outcome: 'fallback' });
          request.log.warn({ licenseId: entry.licenseId, customerId: entry.customerId, err: (error as Error).message }, 'store unavailable: license granted by fallback, to be reconciled');
          options.logger.warn({ licenseId: entry.licenseId, customerId: entry.customerId }, 'downloads fallback used');
          return reply.code(201).header('x-chronicle-fallback', 'store-unavailable').send({ licenseId: entry.licenseId, expiresAt: entry.expiresAt, fallback: true });
        }
      },
    );

    app.post<{ Params: { licenseId: string } }>(
      '/v1/licenses/:licenseId/renew',
      {
        preValidation: emptyBodyDefault,
        schema: { tags: ['downloads'], summary: 'Renew an active license', params: licenseParams, headers, body: emptyBodySchema, response: { 200: grant, '4xx': problemSchema } },
      },
      async (request, reply) => {
        const now = pinned(request);
        return outageAsUnavailable(() =>
          idempotentResponse(host, request, reply, async (key) => ({
            status: 200,
            body: await service.renew(request.params.licenseId, { ...(now ? { now } : {}), ...(key ? { requestId: key } : {}) }),
          })),
        );
      },
    );

    app.post<{ Params: { licenseId: string } }>(
      '/v1/licenses/:licenseId/release',
      {
        preValidation: emptyBodyDefault,
        schema: {
          tags: ['downloads'],
          summary: 'Release a license (the download was deleted); releasing twice is a no-op',
          params: licenseParams,
          headers,
          body: emptyBodySchema,
          response: { '4xx': problemSchema },
          documented: { 200: { description: 'Released (or already released): the license', type: 'object' } },
        },
      },
      async (request, reply) => {
        const now = pinned(request);
        return outageAsUnavailable(() =>
          idempotentResponse(host, request, reply, async (key) => ({
            status: 200,
            body: await service.release(request.params.licenseId, { ...(now ? { now } : {}), ...(key ? { requestId: key } : {}) }),
          })),
        );
      },
    );

    app.post<{ Params: { deviceId: string }; Body: { customerId: string } }>(
      '/v1/devices/:deviceId/deactivate',
      {
        schema: {
          tags: ['downloads'],
          summary: 'Remotely deactivate a device: releases every active license on it',
          params: { type: 'object', required: ['deviceId'], properties: { deviceId: id } },
          headers,
          body: { type: 'object', required: ['customerId'], additionalProperties: false, properties: { customerId: id } },
          response: { '4xx': problemSchema },
          documented: { 200: { description: 'The licenses released on the device', type: 'object' } },
        },
      },
      async (request, reply) => {
        const now = pinned(request);
        return outageAsUnavailable(() =>
          idempotentResponse(host, request, reply, async (key) => ({
            status: 200,
            body: await service.deactivateDevice(request.params.deviceId, request.body.customerId, { ...(now ? { now } : {}), ...(key ? { requestId: key } : {}) }),
          })),
        );
      },
    );

    app.get<{ Params: { customerId: string } }>(
      '/v1/customers/:customerId/downloads',
      {
        schema: {
          tags: ['downloads'],
          summary: 'Active licenses and per-title counts in the rolling year',
          params: customerParams,
          headers,
          documented: { 200: { description: "The customer's active licenses and counts", type: 'object' } },
        },
      },
      async (request) => {
        const now = pinned(request);
        return outageAsUnavailable(() => service.downloads(request.params.customerId, now));
      },
    );

    app.get<{ Params: { customerId: string } }>(
      '/v1/customers/:customerId/events',
      {
        schema: {
          tags: ['downloads'],
          summary: 'Every event of a customer, in order: the debugging dump',
          params: customerParams,
          documented: {
            200: {
              description: "The customer's events",
              type: 'object',
              required: ['customerId', 'count', 'events'],
              properties: {
                customerId: { type: 'string' },
                count: { type: 'integer' },
                events: { type: 'array', items: wireEventSchema },
              },
            },
          },
        },
      },
      async (request) => {
        const events = await outageAsUnavailable(() => service.dump(request.params.customerId));
        return { customerId: request.params.customerId, count: events.length, events: events.map(toWire) };
      },
    );

    app.get(
      '/health/live',
      {
        schema: {
          tags: ['downloads'],
          summary:
            'Liveness for load balancers: the process serves (even while the store is down: the fallback answers)',
          documented: {
            200: {
              description: 'The process serves',
              type: 'object',
              required: ['status', 'instance'],
              properties: { status: { type: 'string', enum: ['live'] }, instance: { type: 'string' } },
            },
          },
        },
      },
      async () => ({ status: 'live', instance: options.instance }),
    );

    const rulesAnswer = { ...rulesJsonSchema, description: 'The rules in force; `ETag` is their version' };
    const rulesSummary = 'The business rules in force (ETag: the rules stream version)';
    const rulesRoute = { schema: { tags: ['downloads'], summary: rulesSummary, documented: { 200: rulesAnswer } } };
    app.get('/v1/rules', rulesRoute, async (_request, reply) => {
      reply.header('etag', `"${rules.version()}"`);
      return rules.current();
    });

    app.get(
      '/v1/rules/history',
      {
        schema: {
          tags: ['downloads'],
          summary: 'Every change of the rules, oldest first: who, when, old → new',
          documented: {
            200: {
              description: 'The rules version and every change',
              type: 'object',
              required: ['version', 'changes'],
              properties: { version: { type: 'integer' }, changes: { type: 'array', items: { type: 'object' } } },
            },
          },
        },
      },
      async () => {
        const changes = await outageAsUnavailable(() => rules.history());
        return { version: rules.version(), changes };
      },
    );

    app.put(
      '/v1/rules',
      {
        onRequest: writeGuard(auth),
        schema: {
          tags: ['downloads'],
          summary: 'Replace the business rules: recorded in the rules stream, applied by every instance within a second',
          body: rulesJsonSchema,
          security: [{ bearer: [] }],
          headers: {
            type: 'object',
            properties: {
              'if-match': { type: 'string', description: 'Only if the rules are still at this version (the ETag of GET /v1/rules)' },
              'x-chronicle-actor': { type: 'string', minLength: 1, maxLength: 100, description: 'Who makes the change (kept in the history)' },
            },
          },
          response: { '4xx': problemSchema },
          documented: { 200: rulesAnswer },
        },
        // PUT replaces the whole document: a partial one gets one message naming what is missing,
        // not one "must have required property" per field.
        preValidation: async (request) => {
          const body: unknown = request.body;
          if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
          const missing = Object.keys(defaultRules).filter((field) => !(field in body));
          if (missing.length === 0) return;
          throw ValidationError.of(
            'body',
            `PUT /v1/rules replaces the whole rules document; missing ${missing.join(', ')}. ` +
              'GET /v1/rules, change the fields you need and PUT the whole document back',
          );
        },
      },
      async (request, reply) => {
        const match = request.headers['if-match'];
        let expectedVersion: number | undefined;
        if (typeof match === 'string') {
          const parsed = /^(?:W\/)?"?(\d{1,15})"?$/.exec(match.trim());
          if (!parsed) throw ValidationError.of('headers.if-match', 'must be a rules version, as in the ETag of GET /v1/rules');
          expectedVersion = Number(parsed[1]);
        }
        const actor = request.headers['x-chronicle-actor'];
        const changedBy = `${typeof actor === 'string' ? actor : 'api'} (${request.ip})`;
        try {
          const replaced = await outageAsUnavailable(() =>
            rules.replace(request.body, { changedBy, ...(expectedVersion === undefined ? {} : { expectedVersion }) }),
          );
          request.log.info({ rules: replaced, version: rules.version(), changedBy }, 'rules changed');
          reply.header('etag', `"${rules.version()}"`);
          return replaced;
        } catch (error) {
          if (error instanceof ZodError) {
            throw new ValidationError(error.issues.map((issue) => ({ path: ['body', ...issue.path.map(String)].join('.'), message: issue.message })));
          }
          throw error;
        }
      },
    );
  };
}
