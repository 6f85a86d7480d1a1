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
function harness(maxConcurrent: number) {
  const versions = new Map<string, number>();
  let position = 0;
  /** Appends per transaction, in the order transactions started. */
  const transactions: number[] = [];
  const client = {
    async query(config: PgQueryConfig) {
      const [streams] = config.values as [string[]];
      transactions.push(streams.length);
      await sleep(ROUND_TRIP_MS);
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
    await sleep(ROUND_TRIP_MS);
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
  async function writers(count: number, appendsEach: number): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, async (_, w) => {
        for (let i = 0; i < appendsEach; i++) {
          const result = await viaStore({ streamId: `s-${w}`, expectedVersion: i, events: [event(i)] });
          expect(result.nextExpectedVersion).toBe(i + 1);
        }
      }),
    );
  }
  return { transactions, writers };
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

  it('8 writers on two slots settle into even batches of 4', async () => {
    const { transactions, writers } = harness(2);
    await writers(8, 40);
    const steady = transactions.slice(6, -2);
    expect(steady.length).toBeGreaterThan(40);
    expect(steady.filter((n) => n === 4).length / steady.length).toBeGreaterThan(0.9);
    expect(transactions.length).toBeLessThanOrEqual(90);
  });
});
