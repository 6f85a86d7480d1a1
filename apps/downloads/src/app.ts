import { hostname } from 'node:os';
import path from 'node:path';
import {
  consoleLogger,
  createProjectionRunner,
  documentProjection,
  type Consumer,
  type EventStore,
  type Logger,
  type ProjectionHost,
  type StoreWithProjections,
} from '@chronicle/core';
import { createServer, type RegisteredProjection, type SseOptions, type StateModels } from '@chronicle/server';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { defaultLease, type LeaseSettings } from './config.js';
import { accountDecider } from './domain/account.js';
import { downloadedDecider } from './domain/downloaded.js';
import { downloadsCodeDescriptions, downloadsCodeStatus } from './domain/errors.js';
import { licenseDecider } from './domain/license.js';
import { FallbackJournal } from './fallback.js';
import { downloadsRoutes } from './http/routes.js';
import type { Rules, RulesSource } from './rules.js';
import { rulesDecider } from './rules-history.js';
import { createStoredRules } from './stored-rules.js';
import { DownloadsService } from './service.js';

/** State models for time travel over the three aggregates. */
export const downloadsStateModels: StateModels = {
  license: licenseDecider as never,
  account: accountDecider as never,
  downloaded: downloadedDecider as never,
  rules: rulesDecider as never,
};

/** Downloads per title across all customers: an async read model, for the projections page. */
export const titlePopularity = documentProjection<{ titleId: string; downloads: number }>({
  name: 'title-popularity',
  collection: 'title-popularity',
  eventTypes: ['TitleDownloaded'],
  documentId: (event) => event.streamId.slice(event.streamId.indexOf('/') + 1),
  evolve: (doc, event) => ({ titleId: event.streamId.slice(event.streamId.indexOf('/') + 1), downloads: (doc?.downloads ?? 0) + 1 }),
});

/** Options of {@link createDownloadsApp}. */
export type DownloadsAppOptions = {
  readonly store: EventStore & StoreWithProjections<unknown>;
  readonly token: string;
  readonly readsRequireToken?: boolean;
  readonly dataDir: string;
  /**
   * The rules the `rules-downloads` stream starts with when it is empty;
   * default `<dataDir>/rules.json` if present (refused at start when invalid),
   * else the defaults. Ignored once the stream exists.
   */
  readonly rulesSeed?: Rules;
  /** Names this instance in the rules history and projection leases (default `<hostname>:<pid>`). */
  readonly instance?: string;
  readonly allowClockOverride?: boolean;
  /** The instance's clock (default the system clock); read afresh for every decision attempt. */
  readonly clock?: () => Date;
  readonly logger?: FastifyServerOptions['loggerInstance'] | false;
  readonly appLogger?: Logger;
  /** Extra server plugins (the explorer adds itself this way). */
  readonly plugins?: Parameters<typeof createServer>[0]['plugins'];
  /** Projection leases (default {@link defaultLease}: takeover within 3 s). */
  readonly lease?: LeaseSettings;
  /** How often pending fallback licenses are written back (default 5 s). */
  readonly reconcileEveryMs?: number;
  /** Bounds of `GET /v1/subscribe` (see `createServer`). */
  readonly sse?: SseOptions;
  /** On close, how long requests in flight may take to finish (see `createServer`). */
  readonly shutdownGraceMs?: number;
};

/** The running Downloads service. */
export type DownloadsApp = {
  readonly app: FastifyInstance;
  readonly service: DownloadsService;
  readonly journal: FallbackJournal;
  readonly rules: RulesSource;
  readonly runners: readonly Consumer[];
  /** Writes pending fallback licenses to the store now. */
  reconcile(): Promise<number>;
  /** Stops runners and timers and closes the server (not the store). */
  close(): Promise<void>;
};

/**
 * Wires the Downloads service onto a store: the Chronicle HTTP API, the
 * Downloads routes, time-travel state models, an async read model, the
 * fallback journal and its reconciler.
 */
export async function createDownloadsApp(options: DownloadsAppOptions): Promise<DownloadsApp> {
  const host = options.store.projections as ProjectionHost<unknown>;
  const appLogger = options.appLogger ?? consoleLogger;
  const instance = options.instance ?? `${hostname()}:${process.pid}`;
  const clock = options.clock ?? (() => new Date());
  const rules = await createStoredRules({
    store: options.store,
    seed: options.rulesSeed ? { rules: options.rulesSeed } : { file: path.join(options.dataDir, 'rules.json') },
    instance,
    clock,
    logger: appLogger,
  });
  const service = new DownloadsService(options.store, host, rules, clock);
  const journal = new FallbackJournal(path.join(options.dataDir, 'fallback-journal.ndjson'));
  const lease = options.lease ?? defaultLease;
  const popularity = createProjectionRunner({
    store: options.store,
    host,
    projection: titlePopularity,
    logger: appLogger,
    owner: instance,
    leaseTtlMs: lease.ttlMs,
    leaseRetryMs: lease.retryMs,
  });
  const projections: RegisteredProjection[] = [
    {
      name: 'title-popularity',
      kind: 'projection',
      status: () => popularity.status(),
    },
  ];
  const { app } = await createServer({
    store: options.store,
    auth: { token: options.token, readsRequireToken: options.readsRequireToken ?? false },
    stateModels: downloadsStateModels,
    projections,
    codeStatus: downloadsCodeStatus,
    codeDescriptions: downloadsCodeDescriptions,
    ...(options.sse ? { sse: options.sse } : {}),
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    logger: options.logger ?? false,
    plugins: [downloadsRoutes({ service, host, rules, journal, allowClockOverride: options.allowClockOverride ?? false, clock, instance, logger: appLogger }), ...(options.plugins ?? [])],
  });
  const reconcile = (): Promise<number> => journal.reconcile(service.repository, host, appLogger);
  let reconciling = Promise.resolve(0);
  const timer = setInterval(() => {
    if (journal.pending().length === 0) return;
    reconciling = reconciling.then(reconcile, reconcile).catch(() => 0);
  }, options.reconcileEveryMs ?? 5_000);
  timer.unref();
  popularity.start();
  return {
    app,
    service,
    journal,
    rules,
    runners: [popularity],
    reconcile,
    async close() {
      clearInterval(timer);
      // The HTTP server first (event streams end, requests drain), then the background work; every step runs
      // even when one fails (a failing store), and the first failure is reported after.
      const results: PromiseSettledResult<unknown>[] = await Promise.allSettled([app.close()]);
      results.push(...(await Promise.allSettled([reconciling, popularity.stop(), rules.close()])));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
