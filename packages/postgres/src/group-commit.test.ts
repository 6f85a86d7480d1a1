import type { AppendResult } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { appendResult, wrongVersion, type PreparedAppend } from './append-statements.js';
import type { ConnectionLease } from './connection-lease.js';
import { createKnownVersions } from './known-versions.js';
import { createGroupCommit } from './group-commit.js';
import type { PgClientLike, PgPoolLike, PgQueryConfig } from './pg-types.js';
import { queries } from './sql/queries.js';
import { schemaNames } from './sql/schema-names.js';

const ROUND_TRIP_MS = 2;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The scheduling of group commit, with a stand-in database that answers each
 * transaction after a fixed round trip (the PostgreSQL behaviour of batches
 * is covered by group-commit.int.test.ts): which appends go together.
 */
function harness(maxConcurrent: number, roundTripMs: (streams: readonly string[]) => number = () => ROUND_TRIP_MS) {
  const versions = new Map<string, number>();
  let position = 0;
  /** Appends per transaction, in the order transactions started. */
  const transactions: number[] = [];
  /** Appends the stand-in database refused inside batches (each sends a real batch down its slow path). */
  let refusedInBatches = 0;
  const client = {
    async query(config: PgQueryConfig) {
      const [streams, expected] = config.values as [string[], number[]];
      transactions.push(streams.length);
      await sleep(roundTripMs(streams));
      const first = position + 1;
      position += streams.length;
      const outcomes = streams.map((s, i) => {
        const before = versions.get(s) ?? 0;
        if ((expected[i]! >= 0 && expected[i] !== before) || (expected[i] === -2 && before === 0)) {
          refusedInBatches++;
          return -1 - before;
        }
        versions.set(s, before + 1);
        return before;
      });
      return { rows: [[[first, ...outcomes]]] };
    },
  } as unknown as PgClientLike;
  const connections: ConnectionLease = { use: (work) => work(client, () => undefined), close: () => undefined };
  const writeOne = async ([part]: readonly PreparedAppend[]): Promise<AppendResult[]> => {
    transactions.push(1);
    await sleep(roundTripMs([part!.streamId]));
    const before = versions.get(part!.streamId) ?? 0;
    const expected = part!.expectedVersion;
    const holds = expected === 'any' || (expected === 'stream_exists' ? before > 0 : (expected === 'no_stream' ? 0 : expected) === before);
    if (!holds) throw wrongVersion(part!, before);
    versions.set(part!.streamId, before + 1);
    return [appendResult(part!, before, ++position, new Date())];
  };
  const append = createGroupCommit({
    pool: {} as PgPoolLike,
    connections,
    queries: queries(schemaNames('chronicle')),
    clock: () => new Date(),
    known: createKnownVersions(),
    maxConcurrent,
    writeOne,
    onSettled: () => undefined,
  });
  // The store reaches group commit through a few async layers (append → writeOne → grouped); a
  // writer's next append therefore comes some microtasks after its result, as here.
  const viaStore = async (part: PreparedAppend): Promise<AppendResult> => {
    const layer = async (): Promise<AppendResult> => await append(part);
    return await layer();
  };
  const event = (n: number) => ({ eventId: crypto.randomUUID(), type: 'Counted', data: JSON.stringify({ n }), metadata: '{}' });
  async function writer(stream: string, appends: number): Promise<void> {
    for (let i = 0; i < appends; i++) {
      const result = await viaStore({ streamId: stream, expectedVersion: i, events: [event(i)] });
      expect(result.nextExpectedVersion).toBe(i + 1);
    }
  }
  async function writers(count: number, appendsEach: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, (_, w) => writer(`s-${w}`, appendsEach)));
  }
  return { transactions, writer, writers, viaStore, event, refused: () => refusedInBatches };
}

describe('group commit scheduling', () => {
  it('a lone writer goes alone, one transaction per append', async () => {
    const { transactions, writers } = harness(2);
    await writers(1, 20);
    expect(transactions).toEqual(Array(20).fill(1));
  });

  it('8 writers on one slot go as one batch of 8 per round trip (not alternating 1 and 7)', async () => {
    const { transactions, writers } = harness(1);
    await writers(8, 20);
    // The first writer finds the slot free and goes alone, the other 7 wait for it; from then on everyone is in step.
    expect(transactions.slice(2).every((n) => n === 8)).toBe(true);
    expect(transactions.length).toBeLessThanOrEqual(22);
  });

  it('8 writers on two slots still go as one batch of 8: a transaction costs more than the events in it', async () => {
    const { transactions, writers } = harness(2);
    await writers(8, 20);
    expect(transactions.slice(2).every((n) => n === 8)).toBe(true);
    expect(transactions.length).toBeLessThanOrEqual(22);
  });

  it('appends waiting behind a stuck batch open another transaction after the stall delay', async () => {
    // Appends to "slow" take 2 s (a row lock held elsewhere); the other writer's go in 2 ms.
    const { transactions, writer } = harness(2, (streams) => (streams.includes('slow') ? 2_000 : ROUND_TRIP_MS));
    let slowDone = false;
    const slow = writer('slow', 1).then(() => {
      slowDone = true;
    });
    await writer('fast', 10);
    // The fast appends went in another transaction after the stall delay: all of them while the slow one still ran.
    expect(slowDone).toBe(false);
    await slow;
    expect(transactions[0]).toBe(1);
  });

  it('racing writers expecting one version of a stream: one goes in the batch, the others fail without a round trip', async () => {
    const { transactions, viaStore, event, refused } = harness(1);
    await viaStore({ streamId: 'hot', expectedVersion: 'no_stream', events: [event(0)] });
    // A lone append takes the slot; everything below queues behind it and goes in the next batch.
    const first = viaStore({ streamId: 'other', expectedVersion: 0, events: [event(0)] });
    const racing = Array.from({ length: 5 }, (_, i) => viaStore({ streamId: 'hot', expectedVersion: 1, events: [event(i)] }));
    const calm = Array.from({ length: 3 }, (_, i) => viaStore({ streamId: `calm-${i}`, expectedVersion: 0, events: [event(i)] }));
    await first;
    const outcomes = await Promise.allSettled(racing);
    await Promise.all(calm);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const lost of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(lost.reason).toMatchObject({ code: 'WRONG_EXPECTED_VERSION', streamId: 'hot', actual: 2 });
    }
    // The creating append and the lone one, then one batch of the first racer and the 3 calm appends; no batch held a
    // refused append.
    expect(transactions).toEqual([1, 1, 4]);
    expect(refused()).toBe(0);
  });

  it("racers expecting 'no_stream' go together: they cannot be failed early (a stream soft-deleted elsewhere accepts 'no_stream')", async () => {
    const { transactions, viaStore, event, refused } = harness(1);
    const first = viaStore({ streamId: 'other', expectedVersion: 0, events: [event(0)] });
    const racing = Array.from({ length: 4 }, (_, i) => viaStore({ streamId: 'new', expectedVersion: 'no_stream', events: [event(i)] }));
    await first;
    const outcomes = await Promise.allSettled(racing);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(transactions).toEqual([1, 4]);
    expect(refused()).toBe(3);
  });

  it('an append expecting a version older than one this store committed fails at once; no_stream and any are left to the database', async () => {
    const { transactions, viaStore, event } = harness(2);
    for (let i = 0; i < 3; i++) await viaStore({ streamId: 's', expectedVersion: i, events: [event(i)] });
    await expect(viaStore({ streamId: 's', expectedVersion: 2, events: [event(9)] })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actual: 3 });
    expect(transactions).toHaveLength(3);
    await expect(viaStore({ streamId: 's', expectedVersion: 'no_stream', events: [event(9)] })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
    expect(transactions).toHaveLength(4);
    await viaStore({ streamId: 's', expectedVersion: 'any', events: [event(9)] });
    expect(transactions).toHaveLength(5);
  });
});
