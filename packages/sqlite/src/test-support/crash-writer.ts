/**
 * Child process of the crash test: appends forever (single events, batches
 * and two-stream appendMulti, from several concurrent writers so that group
 * commit is in play) and prints one `ack` line per append after its promise
 * resolved. The parent kills it with SIGKILL at a random moment.
 *
 * Event data: { batch, part, parts, i, n }: `n` events in this part, `parts`
 * parts in the append; the parent checks that no append is partially stored.
 */
import { createSqliteStore } from '../index.js';

const [path] = process.argv.slice(2) as [string];
const WRITERS = 4;
const STREAMS_PER_WRITER = 3;
const store = createSqliteStore({ path });
let sequence = 0;

const random = (n: number): number => Math.floor(Math.random() * n);
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

function eventsFor(batch: string, part: number, parts: number, n: number): { type: string; data: unknown }[] {
  const padding = 'p'.repeat(random(4) === 0 ? random(8_000) : random(100));
  return Array.from({ length: n }, (_, i) => ({ type: 'Crashed', data: { batch, part, parts, i, n, padding } }));
}

async function writer(w: number): Promise<void> {
  const streams = Array.from({ length: STREAMS_PER_WRITER }, (_, k) => `crash-${w}-${k}`);
  const versions = new Map<string, number>();
  for (const stream of streams) versions.set(stream, (await store.getStreamInfo(stream))?.version ?? 0);
  for (;;) {
    const batch = `${process.pid}-${w}-${sequence++}`;
    const roll = Math.random();
    if (roll < 0.2) {
      const first = random(STREAMS_PER_WRITER);
      const chosen = [streams[first]!, streams[(first + 1 + random(STREAMS_PER_WRITER - 1)) % STREAMS_PER_WRITER]!];
      const results = await store.appendMulti(
        chosen.map((streamId, part) => ({ streamId, events: eventsFor(batch, part, 2, 1 + random(5)), expectedVersion: versions.get(streamId)! })),
      );
      for (const result of results) versions.set(result.streamId, result.nextExpectedVersion);
      say(`ack ${JSON.stringify({ batch, parts: results.map((r) => [r.streamId, r.events[0]!.streamPosition, r.nextExpectedVersion]) })}`);
    } else {
      const stream = streams[random(STREAMS_PER_WRITER)]!;
      const n = roll < 0.6 ? 1 : 2 + random(19);
      const result = await store.append(stream, eventsFor(batch, 0, 1, n), versions.get(stream)!);
      versions.set(stream, result.nextExpectedVersion);
      say(`ack ${JSON.stringify({ batch, parts: [[stream, result.events[0]!.streamPosition, result.nextExpectedVersion]] })}`);
    }
  }
}

say('ready');
await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w))).catch((error: unknown) => {
  say(`error ${String((error as Error).stack)}`);
  process.exit(1);
});
