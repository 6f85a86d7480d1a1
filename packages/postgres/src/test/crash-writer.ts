/**
 * Child process of the crash test: appends batches forever and prints one
 * line per acknowledged batch (`ack <batch> <first global position>`), until
 * the parent kills it with SIGKILL. With `slow`, each transaction pauses
 * before COMMIT so that kills often land inside an open transaction.
 *
 * Usage: node --conditions=@chronicle/source --import tsx crash-writer.ts <url> <schema> <run> <slow:0|1> <batch size>
 */
import { createPostgresStore } from '../postgres-store.js';
import { sleep, storeWithHooks } from './store-fixtures.js';

const [url, schema, run, slow, batchSize] = process.argv.slice(2) as [string, string, string, string, string];
const BATCH = Number(batchSize);
const options = { connectionString: url, schema, maxConnections: 4 };
const store =
  slow === '1'
    ? await storeWithHooks(options, async () => {
        await sleep(Math.floor(Math.random() * 5));
      })
    : await createPostgresStore(options);

process.stdout.write('ready\n');
let batch = 0;
// Four concurrent writers, so a kill usually catches several appends in flight.
await Promise.all(
  Array.from({ length: 4 }, async (_, writer) => {
    for (;;) {
      const id = `${run}-${writer}-${batch++}`;
      const payload = 'p'.repeat(200 + Math.floor(Math.random() * 2_000));
      const events = Array.from({ length: BATCH }, (_, i) => ({ type: 'Crashed', data: { batch: id, i, payload } }));
      const result = await store.append(`crash-${run}-${writer}`, events, 'any');
      process.stdout.write(`ack ${id} ${result.events[0]!.globalPosition}\n`);
    }
  }),
);
