/**
 * Child process of the projection crash test: catches an async projection up
 * (core `createProjectionRunner`, small batches, one document write per
 * event) and prints `ready`, then `batch` as each batch is handled (before
 * its checkpoint commits), until the parent kills it with SIGKILL, or `done`
 * when caught up.
 *
 * Usage: node --conditions=@chronicle/source --import tsx projection-child.ts <url> <schema> <collection>
 */
import { createProjectionRunner, silentLogger } from '@chronicle/core';
import { createPostgresStore } from '../postgres-store.js';
import { perEventCounter } from './projection-fixtures.js';

const [url, schema, collection] = process.argv.slice(2) as [string, string, string];
const store = await createPostgresStore({ connectionString: url, schema, maxConnections: 4 });
const counter = perEventCounter('crash-counter', collection);
const projection: typeof counter = {
  ...counter,
  async handle(events, tx, context) {
    await counter.handle(events, tx, context);
    process.stdout.write('batch\n');
  },
};
const runner = createProjectionRunner({ store, host: store.projections, projection, batchSize: 40, logger: silentLogger });
process.stdout.write('ready\n');
for (;;) {
  const status = await runner.catchUp();
  if (status.position >= status.head) break;
}
process.stdout.write('done\n');
await store.close();
