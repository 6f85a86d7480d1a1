/**
 * Child process of the multi-process race: waits for `go` on stdin, then for
 * `durationMs` runs several optimistic loops over the shared streams (read the
 * version, append at it, count conflicts), and prints its tallies. Any error
 * other than a version conflict is printed and ends the process with code 1.
 *
 * Each event records the version its writer expected, so the parent can check
 * that every append landed exactly where its expectation said.
 */
import { createInterface } from 'node:readline';
import { createSqliteStore } from '../index.js';

const [path, durationArg, streamsArg] = process.argv.slice(2) as [string, string, string];
const LOOPS = 4;
const store = createSqliteStore({ path });
const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const random = (n: number): number => Math.floor(Math.random() * n);

const tally = { appends: 0, events: 0, conflicts: 0, perStream: {} as Record<string, number> };

async function loop(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const stream = `race-${random(Number(streamsArg))}`;
    const expected = (await store.getStreamInfo(stream))?.version ?? 0;
    const n = random(5) === 0 ? 2 + random(3) : 1;
    const events = Array.from({ length: n }, (_, i) => ({ type: 'Raced', data: { pid: process.pid, expected, i } }));
    try {
      await store.append(stream, events, expected);
      tally.appends++;
      tally.events += n;
      tally.perStream[stream] = (tally.perStream[stream] ?? 0) + n;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'WRONG_EXPECTED_VERSION') throw error;
      tally.conflicts++;
    }
  }
}

say('ready');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.on('line', (line) => line === 'go' && resolve()));
lines.close();
try {
  const deadline = Date.now() + Number(durationArg);
  await Promise.all(Array.from({ length: LOOPS }, () => loop(deadline)));
  await store.close();
  say(`done ${JSON.stringify(tally)}`);
} catch (error) {
  say(`error ${JSON.stringify({ code: (error as { code?: unknown }).code, message: (error as Error).message })}`);
  process.exit(1);
}
