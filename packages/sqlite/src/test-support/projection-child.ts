/**
 * Child process of the projection crash test: catches a per-stream-count
 * projection up with `createProjectionRunner` (small batches, so that there
 * are many commits to be killed between) and prints `batch <position>` after
 * each committed batch, then `done <position>`. The parent kills it with
 * SIGKILL at random points and starts it again.
 *
 * Run with: node --conditions=@chronicle/source --import tsx projection-child.ts <db> <batchSize>
 */
import { createProjectionRunner, documentProjection, silentLogger } from '@chronicle/core';
import { createSqliteStore } from '../index.js';

const [path, batchArg] = process.argv.slice(2) as [string, string];
const store = createSqliteStore({ path });
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

/** Per stream: how many events, and the last position seen (an event applied twice or skipped shows). */
export const perStreamCount = documentProjection<{ count: number; last: number }>({
  name: 'per-stream-count',
  collection: 'per-stream-count',
  documentId: (event) => event.streamId,
  evolve: (doc, event) => {
    if (doc && doc.last !== event.streamPosition - 1) throw new Error(`${event.streamId}: ${event.streamPosition} after ${doc.last}`);
    return { count: (doc?.count ?? 0) + 1, last: event.streamPosition };
  },
});

const projection = {
  ...perStreamCount,
  async handle(...args: Parameters<typeof perStreamCount.handle>) {
    await perStreamCount.handle(...args);
    const batch = args[0];
    // Printed inside the transaction, just before it commits: the kill may land on either side of the commit.
    say(`batch ${batch[batch.length - 1]!.globalPosition}`);
  },
};

const runner = createProjectionRunner({ store, host: store.projections, projection, batchSize: Number(batchArg), logger: silentLogger });
say('ready');
const status = await runner.catchUp();
say(`done ${status.position}`);
await store.close();
