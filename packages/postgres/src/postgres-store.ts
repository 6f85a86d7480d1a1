import { randomUUID } from 'node:crypto';
import {
  AppendSignal,
  ChronicleError,
  DEFAULT_MAX_EVENT_BYTES,
  NotSupportedError,
  StoreClosedError,
  SubscriptionStarts,
  startPosition,
  ValidationError,
  appendOrRepeat,
  assertExpectedVersion,
  prepareEvents,
  prepareMulti,
  subscribeToAll,
  suppliesEventIds,
  type AppendResult,
  type ArchivableStore,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
  type StoreInfo,
  type StreamAppend,
  type StreamLifecycle,
  type StoreWithProjections,
  type SubscribeOptions,
} from '@chronicle/core';
import { createAppender, type AppendHook, type PreparedAppend } from './append.js';
import { createAdvisoryLeases } from './advisory-leases.js';
import { createConnectionLease } from './connection-lease.js';
import { createGroupCommit } from './group-commit.js';
import { createKnownVersions } from './known-versions.js';
import { inlineProjectionsHook, needsTransaction } from './inline-projections.js';
import { createLifecycle, deletionMarkerHook } from './lifecycle.js';
import { createListener, type Listener } from './listener.js';
import { migrateSchema } from './migrate.js';
import { createNotifier } from './notifier.js';
import { callForValue } from './prepared-call.js';
import type { PostgresStoreOptions } from './options.js';
import { resolvePool } from './own-pool.js';
import type { PgClientLike } from './pg-types.js';
import { createProjectionHost, type PostgresProjectionHost } from './projection-host.js';
import { createReaders } from './readers.js';
import { createTail, pageSubscription } from './subscription.js';
import { lifecycleQueries } from './sql/lifecycle-queries.js';
import { projectionQueries } from './sql/projection-queries.js';
import { queries } from './sql/queries.js';
import { schemaNames } from './sql/schema-names.js';

/** Internal extension points (tests hold append transactions open with them); not part of the public API. */
export type StoreInternals = {
  /** Run inside every append transaction, in order, before COMMIT (every append then gets its own transaction). */
  readonly onAppend?: readonly AppendHook[];
  /** Called with the position a subscription from `'end'` starts after, once it has read it. */
  readonly onSubscriptionStart?: (position: number) => void;
};

/**
 * The PostgreSQL event store: the {@link EventStore} contract plus stream
 * lifecycle, the archive's hot-tier operations, and a projection host at
 * `projections` whose transactions expose their `pg` client as `tx.native`.
 */
export type PostgresEventStore = EventStore & StreamLifecycle & ArchivableStore & StoreWithProjections<PgClientLike> & {
  readonly projections: PostgresProjectionHost;
};

function positiveInteger(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw ValidationError.of(path, 'must be an integer >= 1');
  return value;
}

/**
 * Opens an event store on PostgreSQL: creates or migrates its schema, then
 * returns a store that implements the full {@link EventStore} contract with
 * gap-safe global order (see the package README).
 *
 * @example
 * const store = await createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/app' });
 * await store.append('order-1', [{ type: 'OrderPlaced', data: { total: 42 } }], 'no_stream');
 * await store.close();
 *
 * @throws ValidationError on bad options; StoreUnavailableError when the
 *   database cannot be reached; NotSupportedError when the schema was
 *   migrated by a newer version of this package.
 */
export function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresEventStore> {
  return openPostgresStore(options, {});
}

/**
 * Read queries (pages, heads, stream reads) in flight at once, by default:
 * what the pool leaves after the LISTEN connection and `maxConcurrentAppends`
 * (at least 1), so that however many subscriptions and readers there are,
 * appends still get their connections; unlimited when the pool's size is
 * unknown (see `maxConcurrentReads`).
 */
function defaultReads(poolSize: number | undefined, appends: number): number {
  return poolSize === undefined ? Number.POSITIVE_INFINITY : Math.max(1, poolSize - 1 - appends);
}

/** Connections the read path keeps checked out between queries (see `createConnectionLease`). */
const READ_CONNECTIONS_KEPT = 2;

/** Refuses a read limit that would leave appends no connection while a subscription listens. */
function checkReadBudget(poolSize: number | undefined, reads: number): void {
  if (poolSize !== undefined && reads > Math.max(1, poolSize - 2)) {
    throw ValidationError.of(
      'maxConcurrentReads',
      `must leave a connection for appends: at most ${Math.max(1, poolSize - 2)} with a pool of ${poolSize} (one more is the LISTEN connection)`,
    );
  }
}

/**
 * The subscription's events, with the store's LISTEN connection held from
 * the first `next()` until the subscription ends (finished, failed or
 * returned). A plain iterator rather than a generator around `events`: every
 * event of every subscription passes here, and a generator layer costs each
 * of them a few promises more.
 */
function listening(events: AsyncGenerator<RecordedEvent>, listener: Listener): AsyncIterableIterator<RecordedEvent> {
  let release: (() => void) | undefined;
  let ended = false;
  const end = (): void => {
    ended = true;
    release?.();
    release = undefined;
  };
  const iterator: AsyncIterableIterator<RecordedEvent> = {
    async next() {
      if (ended) return { done: true, value: undefined };
      release ??= listener.acquire();
      try {
        const result = await events.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      await events.return(undefined);
      return { done: true, value: value as RecordedEvent };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** {@link createPostgresStore} with internal extension points. */
export async function openPostgresStore(options: PostgresStoreOptions, internals: StoreInternals): Promise<PostgresEventStore> {
  const names = schemaNames(options.schema ?? 'chronicle');
  const maxEventBytes = positiveInteger(options.maxEventBytes, DEFAULT_MAX_EVENT_BYTES, 'maxEventBytes');
  const pollIntervalMs = positiveInteger(options.pollIntervalMs, 1_000, 'pollIntervalMs');
  const maxConcurrent = positiveInteger(options.maxConcurrentAppends, 2, 'maxConcurrentAppends');
  const { pool, owned } = resolvePool(options);
  const poolSize = owned ? (options.maxConnections ?? 10) : pool.options?.max;
  const maxReads = options.maxConcurrentReads === undefined ? defaultReads(poolSize, maxConcurrent) : positiveInteger(options.maxConcurrentReads, 1, 'maxConcurrentReads');
  try {
    checkReadBudget(poolSize, maxReads);
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }
  try {
    await migrateSchema(pool, names, { apply: options.migrate !== false });
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }

  const info: StoreInfo = { name: 'postgres', multiStreamAppend: true, maxEventBytes };
  const sql = queries(names);
  const signal = new AppendSignal();
  const starts = new SubscriptionStarts();
  const closing = new AbortController();
  const instanceId = randomUUID();
  const listener = createListener({ pool, channel: names.channel, listen: sql.listen, ownPayload: instanceId, onWake: () => signal.notify() });
  const clock = options.clock ?? (() => new Date());
  const testHooks = internals.onAppend ?? [];
  const inline = options.projections ?? [];
  const projectionSql = projectionQueries(names);
  const lifecycleSql = lifecycleQueries(names);
  // Subscriptions of this process are woken like other processes' (see
  // createNotifier): at once after a quiet period, then at most once per
  // NOTIFY_INTERVAL_MS while commits keep coming, since each wake-up costs
  // every subscription a page read and a pass through its loop, competing
  // with the appends for the CPU and the read connections.
  const localWake = createNotifier(async () => signal.notify());
  const onSettled = (): void => {
    localWake.poke();
    notifier.poke();
  };
  const connections = createConnectionLease(pool, { keep: maxConcurrent });
  const notify = sql.notify(instanceId);
  const notifier = createNotifier(() => connections.use((client) => callForValue(client, notify)));
  const write = createAppender({ connections, queries: sql, clock, hooks: testHooks, onSettled });
  const known = createKnownVersions();
  const writeInTransaction = createAppender({
    connections,
    queries: sql,
    clock,
    hooks: [...testHooks, deletionMarkerHook(lifecycleSql), inlineProjectionsHook(inline, projectionSql, clock)],
    onSettled,
  });
  // Hooks run per append in its own transaction, so they bypass group commit
  // (a failing inline projection then fails only its own append).
  const grouped =
    testHooks.length > 0
      ? async (append: PreparedAppend) => (await write([append]))[0]!
      : createGroupCommit({ pool, connections, queries: sql, clock, maxConcurrent, writeOne: write, onSettled, known });
  // Appends outside group commit (multi-stream, inline projections, deletion
  // markers) may delete a stream, after which it accepts 'no_stream' again:
  // group commit forgets what it knew of their streams.
  const forgetting = (parts: readonly PreparedAppend[]): void => {
    for (const part of parts) known.forget(part.streamId);
  };
  const writeParts = (parts: readonly PreparedAppend[]): Promise<AppendResult[]> => {
    forgetting(parts);
    return needsTransaction(parts, inline.length) ? writeInTransaction(parts) : write(parts);
  };
  const writeOne = (append: PreparedAppend): Promise<AppendResult> => {
    if (!needsTransaction([append], inline.length)) return grouped(append);
    forgetting([append]);
    return writeInTransaction([append]).then((results) => results[0]!);
  };
  const assertOpen = (): void => {
    if (closing.signal.aborted) throw new StoreClosedError(info.name);
  };
  const readConnections = createConnectionLease(pool, { keep: Number.isFinite(maxReads) ? maxReads : READ_CONNECTIONS_KEPT, maxActive: maxReads });
  const readers = createReaders({
    connections: readConnections,
    queries: sql,
    closed: closing.signal,
    storeName: info.name,
    clock,
    generation: () => signal.ticket(),
  });
  const subscriptionDeps = { page: readers.subscriptionPage, signal, pollIntervalMs, closed: closing.signal };
  const tail = createTail(subscriptionDeps);
  const leases = createAdvisoryLeases({ pool, schema: names.schema, assertOpen });
  const projections = createProjectionHost({ pool, queries: projectionSql, clock, assertOpen, leases });
  // Writes wait while a subscription's 'end' start is being read (see SubscriptionStarts).
  const afterStarts = async <T>(write: () => Promise<T>): Promise<T> => {
    const waiting = starts.settled();
    if (waiting) await waiting;
    return write();
  };
  const lifecycle = createLifecycle({ pool, queries: lifecycleSql, maxEventBytes, assertOpen, writeInTransaction: (parts) =>
      afterStarts(() => {
        forgetting(parts);
        return writeInTransaction(parts);
      }),
  });
  const onStart = internals.onSubscriptionStart;
  const subscriptionHead = onStart
    ? async (): Promise<number> => {
        const position = await readers.headPosition();
        onStart(position);
        return position;
      }
    : readers.headPosition;
  let closed: Promise<void> | undefined;
  /** An append still queued when the store closed fails on the ended pool: report that as STORE_CLOSED. */
  const closedError = (error: unknown): never => {
    if (closing.signal.aborted && !(error instanceof ChronicleError)) throw new StoreClosedError(info.name);
    throw error;
  };
  const whileOpen = <T>(work: Promise<T>): Promise<T> => work.catch(closedError);

  return {
    info,
    projections,
    ...lifecycle,
    readAllStored: readers.readAllStored,

    async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
      assertOpen();
      assertExpectedVersion(expected);
      const prepared = prepareEvents(streamId, events, info.maxEventBytes, randomUUID);
      const part = { streamId, expectedVersion: expected, events: prepared };
      const waiting = starts.settled();
      if (waiting) await waiting;
      if (!suppliesEventIds(events)) return whileOpen(writeOne(part));
      // A repeat of a stored append (same event ids) gets the original result.
      const [result] = await whileOpen(appendOrRepeat([part], async () => [await writeOne(part)], readers.eventsById));
      return result!;
    },

    async appendMulti(appends: readonly StreamAppend[]): Promise<readonly AppendResult[]> {
      assertOpen();
      if (!info.multiStreamAppend) throw new NotSupportedError('appendMulti', info.name);
      const parts = prepareMulti(appends, info.maxEventBytes, randomUUID);
      const write = (): Promise<AppendResult[]> => afterStarts(() => writeParts(parts));
      const supplied = appends.some((part) => suppliesEventIds(part.events));
      return whileOpen(supplied ? appendOrRepeat(parts, write, readers.eventsById) : write());
    },

    readStream: readers.readStream,
    readAll: readers.readAll,

    subscribe(subscribeOptions?: SubscribeOptions): AsyncIterable<RecordedEvent> {
      assertOpen();
      if (subscribeOptions?.filter === undefined) {
        // The start is read now, so that an 'end' start is fixed when subscribe is called.
        const start = startPosition(subscribeOptions?.after, subscriptionHead, starts);
        const deps = { ...subscriptionDeps, tail, listener };
        return pageSubscription(deps, start, subscribeOptions ?? {});
      }
      // Called now, so that an 'end' start is fixed when subscribe is called.
      const events = subscribeToAll(
        { readAll: readers.readAllRetrying, headPosition: subscriptionHead, signal, pollIntervalMs, closed: closing.signal, starts },
        subscribeOptions,
      );
      return listening(events, listener);
    },

    getStreamInfo: readers.getStreamInfo,
    listStreams: readers.listStreams,
    headPosition: readers.headPosition,

    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort();
        signal.notify();
        listener.close();
        leases.close();
        connections.close();
        readConnections.close();
        await notifier.flush();
        if (owned) await pool.end();
      })();
      return closed;
    },
  };
}
