/**
 * `npm run example:downloads-public`: publishes Downloads' public events to JetStream, as a sidecar of
 * `npm start` on the same SQLite file (CHRONICLE_SQLITE_PATH, else <CHRONICLE_DATA_DIR or ./data>/chronicle.db).
 * NATS settings: PUBLIC_NATS_URL, PUBLIC_STREAM, PUBLIC_SUBJECT_PREFIX (see nats-public.ts). Prints `ready`.
 */
import path from 'node:path';
import { consoleLogger } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { connect } from '@nats-io/transport-node';
import { ensurePublicStream, publicSettings } from './nats-public.js';
import { startLicensePublishing } from './publishing.js';

const file =
  process.env.CHRONICLE_SQLITE_PATH ||
  path.join(path.resolve(process.env.CHRONICLE_DATA_DIR || './data'), 'chronicle.db');
const store = createSqliteStore({ path: file });
const nc = await connect({ servers: publicSettings.servers, maxReconnectAttempts: -1, waitOnFirstConnect: true });
await ensurePublicStream(nc);
const publishing = await startLicensePublishing({
  store,
  host: store.projections,
  connection: nc,
  subjectPrefix: publicSettings.subjectPrefix,
  logger: consoleLogger,
});
process.stdout.write('ready\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void publishing
      .stop()
      .then(() => nc.close())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
