/**
 * `npm start`: the Downloads service on SQLite (a file under ./data), or on
 * PostgreSQL when CHRONICLE_PG_URL is set. `npm start -- --demo` loads a demo
 * history first. Prints the URL once it can serve, and the explorer's (a web UI
 * served by the same server at /explorer/).
 */
import path from 'node:path';
import pino from 'pino';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { explorerPlugin } from '@chronicle/explorer';
import { loadServerConfig } from '@chronicle/server';
import { createSqliteStore } from '@chronicle/sqlite';
import { createPostgresStore } from '@chronicle/postgres';
import { createDownloadsApp } from './app.js';
import { loadDownloadsConfig } from './config.js';
import { loadDemoHistory } from './demo.js';

const config = loadServerConfig();
const settings = loadDownloadsConfig();
const sqliteFile = settings.sqlitePath ?? path.join(config.dataDir, 'chronicle.db');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'downloads' } });
const demo = process.argv.includes('--demo');

async function openStore(): Promise<EventStore & StoreWithProjections<unknown>> {
  const store = config.pgUrl
    ? await createPostgresStore({ connectionString: config.pgUrl })
    : createSqliteStore({ path: sqliteFile, busyTimeoutMs: 2_000 });
  return store as EventStore & StoreWithProjections<unknown>;
}

const store = await openStore();
const downloads = await createDownloadsApp({
  store,
  token: config.token,
  readsRequireToken: config.readsRequireToken,
  dataDir: config.dataDir,
  allowClockOverride: settings.allowClockOverride,
  ...(settings.clockOffsetMs === 0 ? {} : { clock: () => new Date(Date.now() + settings.clockOffsetMs) }),
  lease: settings.lease,
  logger,
  appLogger: logger,
  plugins: [explorerPlugin()],
});
await downloads.reconcile().catch((error: unknown) => logger.warn({ err: error }, 'fallback reconciliation deferred'));
if (demo && (await loadDemoHistory(downloads.service, store.projections))) logger.info('demo history loaded');
const url = await downloads.app.listen({ port: config.port, host: config.host });
const where = config.pgUrl ? 'PostgreSQL' : sqliteFile;
// One write, so the banner is never split between reads of a pipe.
console.log(
  [
    `Chronicle Downloads listening on ${url} (store: ${where})`,
    `  Explorer: ${url}/explorer/   (read-only; enter the API token there to rebuild projections)`,
    `  API docs: ${url}/docs   health: ${url}/health   metrics: ${url}/metrics`,
    ...(config.tokenGenerated ? [`  API token (saved in ${path.join(config.dataDir, 'api-token')}): ${config.token}`] : []),
  ].join('\n'),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await downloads.close();
  await store.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
