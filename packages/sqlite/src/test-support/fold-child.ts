/**
 * Child process of the large-stream test: folds one stream through the store
 * and reports the event count, the sum and the peak RSS it saw (sampled every
 * 10,000 events) on plain node.
 */
import { createSqliteStore } from '../index.js';

const [path, streamId] = process.argv.slice(2) as [string, string];
const store = createSqliteStore({ path });
const startRss = process.memoryUsage().rss;
let peakRss = startRss;
let count = 0;
let sum = 0;
for await (const event of store.readStream(streamId)) {
  count++;
  sum += (event.data as { n: number }).n;
  if (count % 10_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
peakRss = Math.max(peakRss, process.memoryUsage().rss);
await store.close();
process.stdout.write(`result ${JSON.stringify({ count, sum, startRss, peakRss })}\n`);
