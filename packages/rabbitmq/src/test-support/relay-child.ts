/**
 * Child process of the SIGKILL test: runs an outbox relay from a SQLite store to RabbitMQ until killed.
 * Arguments: store path, AMQP URL, source name. Prints `ready` once the relay runs.
 */
import { createOutboxRelay, silentLogger } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { createRabbitTarget } from '../index.js';

const [path, url, source] = process.argv.slice(2) as [string, string, string];
const store = createSqliteStore({ path, pollIntervalMs: 20 });
const target = await createRabbitTarget({ url, exchange: 'public', source, logger: silentLogger });
const relay = createOutboxRelay({
  host: store.projections,
  store,
  publish: target.publish,
  batchSize: 10,
  logger: silentLogger,
});
relay.start();
process.stdout.write('ready\n');
