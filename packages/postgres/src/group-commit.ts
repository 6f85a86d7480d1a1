import { DuplicateEventIdError, StreamDeletedError, type AppendResult } from '@chronicle/core';
import { appendResult, batchStatement, callAppendFunction, wrongVersion, type PreparedAppend } from './append-statements.js';
import { toStoreError } from './errors.js';
import type { ConnectionLease } from './connection-lease.js';
import type { KnownVersions } from './known-versions.js';
import type { PgPoolLike } from './pg-types.js';
import { toNumber } from './rows.js';
import { DUPLICATE_ID, STREAM_DELETED } from './sql/append-functions.js';
import type { Queries } from './sql/queries.js';

/** Most appends in one group commit (when one is refused, each becomes a subtransaction; PostgreSQL tracks 64 per transaction cheaply). */
const MAX_BATCH_APPENDS = 32;
/** Most events in one group commit (a single larger append still goes alone). */
const MAX_BATCH_EVENTS = 2_000;
/** How long appends wait behind a running batch before they may open another transaction. */
const STALL_MS = 20;

export type GroupCommitDeps = {
  readonly pool: PgPoolLike;
  readonly connections: ConnectionLease;
  readonly queries: Queries;
  readonly clock: () => Date;
  /** Append transactions in flight at once; appends arriving meanwhile queue and go together. */
  readonly maxConcurrent: number;
  /** Runs a lone append in its own transaction. */
  readonly writeOne: (parts: readonly PreparedAppend[]) => Promise<AppendResult[]>;
  readonly onSettled: () => void;
  /** Versions this store committed: appends that cannot succeed fail at once (see `known-versions.ts`). */
  readonly known: KnownVersions;
};

/** PostgreSQL's `COLLATE "C"` order: UTF-8 bytes (JS `<` compares UTF-16 units, which differs above U+FFFF). */
function byteOrder(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

type Pending = {
  readonly append: PreparedAppend;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
  /** Held back from a batch once already (see `take`); never twice. */
  deferred?: boolean;
};

/**
 * Client-side group commit for single-stream appends. Up to `maxConcurrent`
 * append transactions run at once (when a further one opens: see `pump`);
 * appends that arrive while one runs queue, and the next slot takes the
 * queue (up to 32 appends) as one transaction (`append_batch`): all appends
 * are first written set-based; if any is refused, that attempt is undone and
 * each runs in its own subtransaction. Outcomes stay independent (a conflict or a duplicate id
 * rejects only that append) while the batch shares one round trip, one
 * position reservation and one commit. A lone writer never waits: with a
 * free slot an append goes at once, alone. All appends of a batch fail
 * together only when the transaction itself fails (e.g. connection loss).
 */
export function createGroupCommit(deps: GroupCommitDeps): (append: PreparedAppend) => Promise<AppendResult> {
  const queue: Pending[] = [];
  /** The running batches (their number is the slots taken), each with when it started (performance.now()). */
  const running = new Set<{ readonly at: number }>();
  /** Set while appends wait behind a running batch: when it fires they may open another transaction. */
  let stallTimer: NodeJS.Timeout | undefined;

  /** Fails the queued appends that can no longer succeed (a batch just moved their streams past what they expect). */
  function refuseDoomed(): void {
    for (let i = queue.length - 1; i >= 0; i--) {
      const pending = queue[i]!;
      const known = deps.known.refuses(pending.append);
      if (known === undefined) continue;
      queue.splice(i, 1);
      pending.reject(wrongVersion(pending.append, known));
    }
  }

  /**
   * The next batch, in arrival order. Of several appends to one stream that
   * each expect an exact version >= 1, only the first goes: at most one of them
   * can succeed, and a refused one sends the whole batch down its slower
   * one-at-a-time path. The others wait for the next batch (once), where
   * they fail at once if the first succeeded and they expected a version it
   * passed (racing writers learn it without holding anyone up), or go.
   */
  function take(): Pending[] {
    const batch: Pending[] = [];
    const exact = new Set<string>();
    let events = 0;
    for (let i = 0; i < queue.length && batch.length < MAX_BATCH_APPENDS; ) {
      const next = queue[i]!;
      const { streamId, expectedVersion, events: nextEvents } = next.append;
      const fits = batch.length === 0 || events + nextEvents.length <= MAX_BATCH_EVENTS;
      if (!fits) break;
      // Only versions >= 1 can be failed early (see `known-versions.ts`); holding back others buys nothing.
      const isExact = typeof expectedVersion === 'number' && expectedVersion >= 1;
      if (isExact && exact.has(streamId) && !next.deferred) {
        next.deferred = true;
        i++;
        continue;
      }
      if (isExact) exact.add(streamId);
      queue.splice(i, 1);
      events += nextEvents.length;
      batch.push(next);
    }
    // Lock stream rows in byte order, as multi-stream appends do: two batches
    // over the same streams must not wait on each other in a cycle. The sort
    // is stable, so appends to one stream keep their arrival order.
    return batch.length > 1 ? batch.sort((a, b) => byteOrder(a.append.streamId, b.append.streamId)) : batch;
  }

  async function runBatch(batch: readonly Pending[]): Promise<void> {
    const appends = batch.map((p) => p.append);
    const recordedAt = deps.clock();
    let returned: readonly unknown[];
    try {
      returned = await deps.connections.use((client, discard) => callAppendFunction(client, batchStatement(deps.queries, appends, recordedAt), discard));
    } catch (error) {
      const mapped = toStoreError(error, true);
      for (const pending of batch) pending.reject(mapped);
      return;
    } finally {
      deps.onSettled();
    }
    let next = toNumber(returned[0]);
    const duplicates: Pending[] = [];
    batch.forEach((pending, index) => {
      const outcome = toNumber(returned[index + 1]);
      const { streamId, events } = pending.append;
      if (outcome >= 0) {
        deps.known.record(streamId, outcome + events.length);
        pending.resolve(appendResult(pending.append, outcome, next, recordedAt));
      } else if (outcome === DUPLICATE_ID) duplicates.push(pending);
      else if (outcome === STREAM_DELETED) {
        deps.known.forget(streamId);
        pending.reject(new StreamDeletedError(streamId));
      } else {
        deps.known.record(streamId, -1 - outcome);
        pending.reject(wrongVersion(pending.append, -1 - outcome));
      }
      next += events.length;
    });
    if (duplicates.length > 0) await rejectDuplicates(duplicates);
  }

  /** Names the stored id for each append refused as a duplicate (a rare path: one extra query). */
  async function rejectDuplicates(duplicates: readonly Pending[]): Promise<void> {
    const ids = duplicates.flatMap((p) => p.append.events.map((e) => e.eventId));
    let stored = new Set<string>();
    try {
      const result = await deps.pool.query({ ...deps.queries.storedEventIds, values: [ids], rowMode: 'array' });
      stored = new Set(result.rows.map((row) => (row as unknown[])[0] as string));
    } catch {
      // Fall back to the first id of each append.
    }
    for (const pending of duplicates) {
      const id = pending.append.events.find((e) => stored.has(e.eventId))?.eventId ?? pending.append.events[0]!.eventId;
      pending.reject(new DuplicateEventIdError(id));
    }
  }

  async function run(batch: readonly Pending[]): Promise<void> {
    if (batch.length > 1) return runBatch(batch);
    const [pending] = batch as [Pending];
    try {
      pending.resolve(remember((await deps.writeOne([pending.append]))[0]!));
    } catch (error) {
      pending.reject(error);
    }
  }

  /** Records a single append's outcome in `known`. */
  function remember(result: AppendResult): AppendResult {
    deps.known.record(result.streamId, result.nextExpectedVersion);
    return result;
  }

  function release(started: { readonly at: number }): void {
    running.delete(started);
    pump();
  }

  function onStall(): void {
    stallTimer = undefined;
    pump();
  }

  /** Milliseconds until the youngest running batch counts as stalled (0: none is young). */
  function untilStalled(): number {
    let youngest = -Infinity;
    for (const batch of running) youngest = Math.max(youngest, batch.at);
    return Math.max(0, youngest + STALL_MS - performance.now());
  }

  /**
   * Starts batches while slots are free. Each transaction has a fixed cost
   * (about 0.25 ms of server CPU for a batch, against ~0.02 ms per event in
   * it), so fuller batches beat parallel ones: with a batch running, another
   * starts only for a full batch's worth of waiting appends, or once every
   * running batch has run for `STALL_MS` (it may be stuck on a row lock held
   * elsewhere; that is what the further slots are for). Measured with 8
   * writers on 2 cores (`npm run bench -- postgres`): one batch of 8 at a time
   * ran at 82–99% of raw `pg`, two batches of 4 side by side at 64–79%.
   */
  function pump(): void {
    refuseDoomed();
    while (running.size < deps.maxConcurrent && queue.length > 0) {
      if (running.size > 0 && queue.length < MAX_BATCH_APPENDS) {
        const wait = untilStalled();
        if (wait > 0) {
          if (!stallTimer) {
            stallTimer = setTimeout(onStall, wait);
            stallTimer.unref();
          }
          return;
        }
      }
      const started = { at: performance.now() };
      running.add(started);
      const batch = take();
      // Under concurrency (a batch of several, or another one in flight) the
      // slot stays taken until the next turn of the event loop: the writers
      // just resolved append again in the meantime and go as one batch. Freed
      // at once, the first of them would take the slot alone and the rest
      // would wait a whole round trip for it (8 writers then alternate
      // batches of 1 and 7). A lone writer's slot is freed at once.
      const concurrent = batch.length > 1 || running.size > 1;
      void run(batch).finally(() => {
        if (concurrent) setImmediate(release, started);
        else release(started);
      });
    }
    if (queue.length === 0 && stallTimer) {
      clearTimeout(stallTimer);
      stallTimer = undefined;
    }
  }

  /**
   * A lone append (no batch running, none waiting) goes at once without the
   * queue's promise and batch bookkeeping: the common case of a sequential
   * writer, where each saved allocation and turn shows in its latency.
   */
  function runAlone(append: PreparedAppend): Promise<AppendResult> {
    const started = { at: performance.now() };
    running.add(started);
    return deps.writeOne([append]).then(
      (results) => {
        release(started);
        return remember(results[0]!);
      },
      (error: unknown) => {
        release(started);
        throw error;
      },
    );
  }

  return (append) => {
    const known = deps.known.refuses(append);
    if (known !== undefined) return Promise.reject(wrongVersion(append, known));
    if (running.size === 0 && queue.length === 0) return runAlone(append);
    return new Promise<AppendResult>((resolve, reject) => {
      queue.push({ append, resolve, reject });
      pump();
    });
  };
}
