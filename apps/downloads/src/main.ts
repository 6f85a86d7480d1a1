/**
 * `npm start`: the Downloads service on SQLite (a file under ./data), on
 * PostgreSQL when CHRONICLE_PG_URL is set, or on NATS JetStream when
 * CHRONICLE_NATS_URL is (comma-separated seeds; both set is refused). The
 * banner names the store, and so does `/health`. `npm start -- --demo` loads a demo
 * history first. Prints the URL once it can serve, and the explorer's (a web UI
 * served by the same server at /explorer/).
 *
 * A start that cannot succeed prints one line saying what to change and exits
 * with 1. SIGTERM/SIGINT end event streams, drain requests and exit with 0
 * within 5 s, also while the store is failing.
 */
import path from 'node:path';
import pino from 'pino';
import { isChronicleError, type EventStore, type StoreWithProjections } from '@chronicle/core';
import { explorerPlugin } from '@chronicle/explorer';
import { createNatsStore } from '@chronicle/nats';
import {
  StartupError,
  describeStartFailure,
  loadServerConfig,
  redactUrl,
  tokenLine,
  type NatsConfig,
  type ServerConfig,
  type StartContext,
} from '@chronicle/server';
import { createSqliteStore } from '@chronicle/sqlite';
import { createPostgresStore } from '@chronicle/postgres';
import { createDownloadsApp, type DownloadsApp } from './app.js';
import { loadDownloadsConfig, type DownloadsConfig } from './config.js';
import { demoSetupInstant, loadDemoHistory, pinnableClock } from './demo.js';

/** The whole shutdown, however the store behaves, stays under the 5 s a supervisor waits before SIGKILL. */
const SHUTDOWN_DEADLINE_MS = 4_500;
/** Requests in flight get this long to finish; event streams end at once. */
const SHUTDOWN_GRACE_MS = 2_500;

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'downloads' } });
const demo = process.argv.includes('--demo');
/** With --demo, the stores record with this clock, which the demo loader pins to the instants of its story. */
const demoClock = demo ? pinnableClock() : undefined;
const recordClock = demoClock ? { clock: demoClock.now } : {};
const context: { -readonly [K in keyof StartContext]: StartContext[K] } = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST || '127.0.0.1',
  ...(process.env.CHRONICLE_PG_URL ? { pgUrl: process.env.CHRONICLE_PG_URL } : {}),
  ...(process.env.CHRONICLE_NATS_URL ? { natsUrl: process.env.CHRONICLE_NATS_URL } : {}),
  dataDir: path.resolve(process.env.CHRONICLE_DATA_DIR || './data'),
};
let store: (EventStore & StoreWithProjections<unknown>) | undefined;
let downloads: DownloadsApp | undefined;
/** What the banner says the store is. */
let storeName = '';

/**
 * The store on NATS JetStream: refused when the server cannot host the projections (before 2.12; before any
 * stream is made), a replicated stream on 2.9, or streams with other replicas than `CHRONICLE_NATS_REPLICAS`.
 */
async function openNatsStore(nats: NatsConfig): Promise<EventStore & StoreWithProjections<unknown>> {
  const at = nats.servers.map(redactUrl).join(',');
  const opened = await createNatsStore({
    servers: [...nats.servers],
    stream: nats.stream,
    subjectPrefix: nats.subjectPrefix,
    ...(nats.replicas === undefined ? {} : { replicas: nats.replicas }),
    // Refused before any stream is made: Downloads needs multi-stream appends and the projection host.
    requireAtomicBatches: true,
    ...recordClock,
  }).catch((error: unknown) => {
    if (!isChronicleError(error, 'NOT_SUPPORTED')) throw error;
    throw new StartupError(`NATS at ${at} cannot host Downloads: ${error.message}`, 'NATS_SERVER', { cause: error });
  });
  const version = opened.serverVersion;
  storeName = `NATS JetStream at ${at}, stream ${nats.stream}, R${opened.replicas}, nats-server ${version}`;
  const refuse = async (message: string): Promise<never> => {
    await opened.close();
    throw new StartupError(message, 'NATS_SERVER');
  };
  if (nats.replicas !== undefined && opened.replicas !== nats.replicas) {
    await refuse(
      `JetStream stream ${nats.stream} exists with ${opened.replicas} replica(s), ` +
        `CHRONICLE_NATS_REPLICAS is ${nats.replicas}: scale it (nats stream edit ${nats.stream} ` +
        `--replicas ${nats.replicas}, and ${nats.stream}_AUX, KV_${nats.stream}_HOST) ` +
        `or set CHRONICLE_NATS_REPLICAS=${opened.replicas}`,
    );
  }
  return opened as EventStore & StoreWithProjections<unknown>;
}

async function openStore(
  config: ServerConfig,
  settings: DownloadsConfig,
): Promise<EventStore & StoreWithProjections<unknown>> {
  if (config.nats) return openNatsStore(config.nats);
  if (config.pgUrl) {
    storeName = 'PostgreSQL';
    const opened = await createPostgresStore({ connectionString: config.pgUrl, ...recordClock });
    return opened as EventStore & StoreWithProjections<unknown>;
  }
  context.sqliteFile = settings.sqlitePath ?? path.join(config.dataDir, 'chronicle.db');
  storeName = context.sqliteFile;
  return createSqliteStore({
    path: context.sqliteFile,
    busyTimeoutMs: settings.sqliteBusyTimeoutMs,
    integrityCheck: config.sqliteIntegrityCheck,
    ...recordClock,
  }) as EventStore & StoreWithProjections<unknown>;
}

async function start(): Promise<void> {
  const config = loadServerConfig();
  Object.assign(context, { port: config.port, host: config.host, dataDir: config.dataDir });
  const settings = loadDownloadsConfig();
  store = await openStore(config, settings);
  const demoNow = new Date();
  // Only into a fresh store is the demo recorded at its story's instants (recordedAt must grow with the position):
  // what the app seeds first (the rules) at the story's beginning, then each step. Otherwise it is recorded now.
  const storyClock = demoClock && (await store.headPosition()) === 0 ? demoClock : undefined;
  storyClock?.pin(demoSetupInstant(demoNow));
  downloads = await createDownloadsApp({
    store,
    token: config.token,
    readsRequireToken: config.readsRequireToken,
    dataDir: config.dataDir,
    allowClockOverride: settings.allowClockOverride,
    ...(settings.clockOffsetMs === 0 ? {} : { clock: () => new Date(Date.now() + settings.clockOffsetMs) }),
    lease: settings.lease,
    sse: config.sse,
    shutdownGraceMs: SHUTDOWN_GRACE_MS,
    logger,
    appLogger: logger,
    plugins: [explorerPlugin()],
  });
  try {
    await downloads
      .reconcile()
      .catch((error: unknown) => logger.warn({ err: error }, 'fallback reconciliation deferred'));
    if (demo && (await loadDemoHistory(downloads.service, store.projections, demoNow, storyClock))) {
      logger.info('demo history loaded');
    }
  } finally {
    storyClock?.pin(undefined);
  }
  const url = await downloads.app.listen({ port: config.port, host: config.host });
  // One write, so the banner is never split between reads of a pipe.
  console.log(
    [
      `Chronicle Downloads listening on ${url} (store: ${storeName})`,
      `  Explorer: ${url}/explorer/   (read-only; enter the API token there to rebuild projections)`,
      `  API docs: ${url}/docs   health: ${url}/health   metrics: ${url}/metrics`,
      tokenLine(config),
    ].join('\n'),
  );
}

let closing = 'nothing';

/** Closes what was opened, in order, errors logged (a failing store must not block the exit). */
async function closeAll(): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['server', downloads && (() => downloads!.close())],
    ['store', store && (() => store!.close())],
  ];
  for (const [what, close] of steps) {
    if (!close) continue;
    closing = what;
    const started = Date.now();
    try {
      await close();
      logger.debug({ ms: Date.now() - started }, `${what} closed`);
    } catch (error) {
      logger.warn({ err: error, ms: Date.now() - started }, `closing the ${what} failed`);
    }
  }
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  setTimeout(() => {
    logger.warn({ deadlineMs: SHUTDOWN_DEADLINE_MS, closing }, 'shutdown did not finish in time; exiting anyway');
    process.exit(0);
  }, SHUTDOWN_DEADLINE_MS).unref();
  await closeAll();
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// While stopping, a store failure nobody awaits any more must not turn a clean exit into a crash.
process.on('unhandledRejection', (error) => {
  if (stopping) logger.warn({ err: error }, 'ignored while shutting down');
  else {
    logger.fatal({ err: error }, 'unhandled rejection');
    process.exit(1);
  }
});

try {
  await start();
} catch (error) {
  logger.debug({ err: error }, 'start failed');
  console.error(`chronicle downloads: cannot start: ${describeStartFailure(error, context)}`);
  stopping = true;
  await Promise.race([closeAll(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  process.exit(1);
}
