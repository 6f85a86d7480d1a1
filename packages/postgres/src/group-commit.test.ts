import type { AppendResult } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { appendResult, type PreparedAppend } from './append-statements.js';
import type { ConnectionLease } from './connection-lease.js';
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
  const client = {
    async query(config: PgQueryConfig) {
      const [streams] = config.values as [string[]];
      transactions.push(streams.length);
      await sleep(roundTripMs(streams));
      const first = position + 1;
      position += streams.length;
      const befores = streams.map((s) => {
        const before = versions.get(s) ?? 0;
        versions.set(s, before + 1);
        return before;
      });
      return { rows: [[[first, ...befores]]] };
    },
  } as unknown as PgClientLike;
  const connections: ConnectionLease = { use: (work) => work(client, () => undefined), close: () => undefined };
  const writeOne = async ([part]: readonly PreparedAppend[]): Promise<AppendResult[]> => {
    transactions.push(1);
    await sleep(roundTripMs([part!.streamId]));
    const before = versions.get(part!.streamId) ?? 0;
    versions.set(part!.streamId, before + 1);
    return [appendResult(part!, before, ++position, new Date())];
  };
  const append = createGroupCommit({
    pool: {} as PgPoolLike,
    connections,
    queries: queries(schemaNames('chronicle')),
    clock: () => new Date(),
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
  return { transactions, writer, writers };
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
    // Appends to "slow" take 300 ms (a row lock held elsewhere); the other writer's go in 2 ms.
    const { transactions, writer } = harness(2, (streams) => (streams.includes('slow') ? 300 : ROUND_TRIP_MS));
    const started = Date.now();
    const slow = writer('slow', 1);
    await writer('fast', 10);
    const fastDone = Date.now() - started;
    await slow;
    // The fast appends waited one stall delay (20 ms), not the 300 ms batch.
    expect(fastDone).toBeLessThan(200);
    expect(transactions[0]).toBe(1);
  });
});
