import {
  AppendSignal,
  Mutex,
  STREAM_DELETED_EVENT,
  StoreClosedError,
  SubscriptionStarts,
  appendOrRepeat,
  applyProjection,
  assertExpectedVersion,
  assertReadStreamOptions,
  assertStreamId,
  builtInInlineProjections,
  requestIndex,
  prepareEvents,
  prepareMulti,
  subscribeToAll,
  suppliesEventIds,
  type AppendResult,
  type ArchivableStore,
  type DeleteStreamOptions,
  type EventStore,
  type ExpectedVersion,
  type ListStreamsOptions,
  type NewEvent,
  type PreparedEvent,
  type Projection,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoreInfo,
  type StoreWithProjections,
  type StreamAppend,
  type StreamInfo,
  type StreamLifecycle,
  type StreamMetadata,
  type SubscribeOptions,
} from '@chronicle/core';
import { createQuery, retryWhileBusy } from './busy-retry.js';
import { createGroupCommit } from './group-commit.js';
import { createLifecycleSql } from './lifecycle.js';
import { isMemoryPath, openDatabase, openReadConnection, scratchFile, type OpenOptions } from './open-database.js';
import { createSqliteProjectionHost, type SqliteProjectionHost } from './projections/sqlite-projection-host.js';
import { GlobalReader, StreamLister, StreamReader, type ReadContext } from './readers.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { resolveOptions, type SqliteStoreOptions } from './sqlite-store-options.js';
import { toStoreError } from './sqlite-errors.js';
import { globalRowToEvent } from './read-rows.js';
import type { GlobalRow } from './sql/statements.js';
import type { Migration } from './sql/migrations.js';
import { prepareStatements } from './sql/statements.js';
import { uuidV7 } from './uuid-v7.js';
import { createAppendWriter, type PreparedAppend } from './write-append.js';
import { createWriteTransactions } from './write-transaction.js';

/**
 * The SQLite store: the event store contract plus stream metadata and
 * deletion, purging for the archive's hot tier, and the projection host
 * (`projections`) whose transactions hand out the better-sqlite3 connection as `tx.native`.
 */
export type SqliteEventStore = EventStore & StreamLifecycle & ArchivableStore & StoreWithProjections<SqliteDatabase> & { readonly projections: SqliteProjectionHost };

/**
 * An event store in one SQLite file: the embedded default. Durable by default
 * (WAL, synchronous=FULL), safe to share between processes, with group commit
 * so that concurrent appends share one fsync. Hosts projections in the same
 * file (`store.projections`; inline ones via `projections`), supports stream
 * metadata and deletion, and can be the hot tier of an archive. Opens
 * (creating or migrating) the file synchronously; call `close()` when done.
 *
 * @example
 * const store = createSqliteStore({ path: 'data/chronicle.db' });
 * await store.append('table-7', [{ type: 'TableOpened', data: { seats: 4 } }], 'no_stream');
 * await store.projections.transaction((tx) => tx.documents.put('tables', 'table-7', { seats: 4 }));
 *
 * @throws UnsupportedSchemaVersionError when the file was written by a newer `@chronicle/sqlite`.
 * @throws StoreUnavailableError when the file cannot be opened (I/O error, or locked past `busyTimeoutMs`).
 * @throws StoreCorruptError when the file is damaged (`PRAGMA quick_check` fails, or it is not a database).
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteEventStore {
  return openSqliteStore(options);
}

/** {@link createSqliteStore} with a substitute migration list, for tests of the migration path. */
export function openSqliteStore(options: SqliteStoreOptions, migrations?: readonly Migration[]): SqliteEventStore {
  const settings = resolveOptions(options);
  const info: StoreInfo = { name: 'sqlite', multiStreamAppend: true, maxEventBytes: settings.maxEventBytes };
  const scratch = isMemoryPath(settings.path) ? scratchFile() : undefined;
  const openOptions: OpenOptions = {
    path: scratch?.path ?? settings.path,
    synchronous: scratch ? 'OFF' : settings.synchronous,
    busyTimeoutMs: settings.busyTimeoutMs,
    quickCheck: settings.integrityCheck === 'quick',
    ...(migrations ? { migrations } : {}),
  };
  let db: SqliteDatabase | undefined;
  let readDb: SqliteDatabase;
  try {
    db = openDatabase(openOptions);
    readDb = openReadConnection(openOptions);
  } catch (error) {
    db?.close();
    scratch?.remove();
    throw toStoreError(error, `opening ${settings.path}`, false);
  }
  const statements = prepareStatements(db);
  // Reads outside the write transaction use their own connection: they never see uncommitted writes.
  const readStatements = prepareStatements(readDb);
  const signal = new AppendSignal();
  const starts = new SubscriptionStarts();
  const closing = new AbortController();
  const assertOpen = (): void => {
    if (closing.signal.aborted) throw new StoreClosedError(info.name);
  };
  const query = createQuery(assertOpen, settings.busyTimeoutMs);
  const readContext: ReadContext = { statements: readStatements, query, assertOpen, now: () => settings.clock().getTime() };
  const readAll = (readOptions?: ReadAllOptions): AsyncIterable<RecordedEvent> => new GlobalReader(readContext, readOptions);
  // One transaction at a time on the write connection: group commits and projection transactions queue here.
  const lock = new Mutex();
  const writeTransaction = createWriteTransactions({ db, statements, lock, busyTimeoutMs: settings.busyTimeoutMs, assertOpen });
  const { host, tx } = createSqliteProjectionHost({ db, readDb, query, writeTransaction, clock: settings.clock });
  const userInline = settings.projections;
  const inline: readonly Projection<SqliteDatabase>[] = [...(builtInInlineProjections as readonly Projection<SqliteDatabase>[]), ...userInline];
  const builtInOnlyIndexRequests = builtInInlineProjections.length === 1 && builtInInlineProjections[0] === requestIndex;
  const hasRequestId = (event: RecordedEvent): boolean => !builtInOnlyIndexRequests || typeof event.metadata.requestId === 'string';
  const writer = createGroupCommit({
    db,
    statements,
    write: createAppendWriter(db, statements, settings.clock, settings.onAppend),
    afterWrite(results: AppendResult[]) {
      const recorded = results.length === 1 ? results[0]!.events : results.flatMap((result) => result.events);
      // The request index writes only for events that carry a request id: skipping it otherwise keeps a plain append free of promises.
      const projections = recorded.some(hasRequestId) ? inline : userInline;
      if (projections.length === 0) return undefined;
      return (async () => {
        for (const projection of projections) await applyProjection(projection, recorded, tx);
      })();
    },
    lock,
    busyTimeoutMs: settings.busyTimeoutMs,
    onCommit: () => signal.notify(),
  });
  const lifecycle = createLifecycleSql({
    path: openOptions.path,
    db,
    readDb,
    query,
    writeTransaction,
    exclusively: (work) => {
      assertOpen();
      return lock.run(() => retryWhileBusy(work, 'reclaiming space', settings.busyTimeoutMs));
    },
  });
  let closed: Promise<void> | undefined;

  /** Stored events by id, hidden ones included: what a repeated append is checked against. */
  async function eventsById(ids: readonly string[]): Promise<RecordedEvent[]> {
    const json = JSON.stringify(ids);
    const rows = (await query(() => readStatements.eventsById.all(json), 'reading events by id')) as GlobalRow[];
    return rows.map(globalRowToEvent);
  }

  /** Writes parts (after any pending 'end' start); a repeat of a stored append returns the original results. */
  async function writeParts(parts: readonly PreparedAppend[], supplied: boolean): Promise<AppendResult[]> {
    await starts.settled();
    return supplied ? appendOrRepeat(parts, () => writer.submit(parts), eventsById) : writer.submit(parts);
  }

  async function headPosition(): Promise<number> {
    return (await query(() => readStatements.headPosition.get(), 'reading the head position')) as number;
  }

  return {
    info,
    projections: host,

    append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
      let prepared: PreparedEvent[];
      try {
        assertOpen();
        assertExpectedVersion(expected);
        prepared = prepareEvents(streamId, events, info.maxEventBytes, uuidV7);
      } catch (error) {
        return Promise.reject(error);
      }
      const part = { streamId, expectedVersion: expected, events: prepared };
      // After a subscription's 'end' start is read (it reads synchronously, unless the file is busy).
      const waiting = starts.settled();
      const supplied = suppliesEventIds(events);
      if (waiting || supplied) return writeParts([part], supplied).then((results) => results[0]!);
      // Not an async function: the caller awaits the commit's own promise, one microtask sooner.
      return writer.submitOne(part);
    },

    async appendMulti(appends: readonly StreamAppend[]): Promise<readonly AppendResult[]> {
      assertOpen();
      const parts = prepareMulti(appends, info.maxEventBytes, uuidV7);
      return writeParts(parts, appends.some((part) => suppliesEventIds(part.events)));
    },

    readStream: (streamId: string, readOptions?: ReadStreamOptions) => new StreamReader(readContext, streamId, readOptions),
    readAll,

    subscribe(subscribeOptions?: SubscribeOptions): AsyncIterable<RecordedEvent> {
      assertOpen();
      return subscribeToAll(
        { readAll, headPosition, signal, pollIntervalMs: settings.pollIntervalMs, closed: closing.signal, starts },
        subscribeOptions,
      );
    },

    async getStreamInfo(streamId: string): Promise<StreamInfo | undefined> {
      assertOpen();
      assertReadStreamOptions(streamId, undefined);
      const version = (await query(() => readStatements.liveVersion.get(streamId), 'reading stream info')) as number | undefined;
      return version === undefined ? undefined : { streamId, version };
    },

    listStreams: (listOptions?: ListStreamsOptions) => new StreamLister(readContext, listOptions),
    headPosition,

    async setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
      assertOpen();
      assertStreamId(streamId);
      await lifecycle.setMetadata(streamId, metadata);
    },

    async getStreamMetadata(streamId: string): Promise<StreamMetadata> {
      assertOpen();
      assertStreamId(streamId);
      return lifecycle.getMetadata(streamId);
    },

    async deleteStream(streamId: string, deleteOptions: DeleteStreamOptions = {}): Promise<void> {
      assertOpen();
      assertStreamId(streamId);
      if (deleteOptions.expectedVersion !== undefined) assertExpectedVersion(deleteOptions.expectedVersion);
      const mode = deleteOptions.mode ?? 'soft';
      const marker = prepareEvents(streamId, [{ type: STREAM_DELETED_EVENT, data: { mode } }], info.maxEventBytes, uuidV7, 'events', true);
      await starts.settled();
      await writer.submit([{ streamId, expectedVersion: deleteOptions.expectedVersion ?? 'any', events: marker, deletion: mode }]);
    },

    readAllStored: (readOptions?: ReadAllOptions) => new GlobalReader(readContext, readOptions, true),

    async purgeEvents(globalPositions: readonly number[]): Promise<number> {
      assertOpen();
      return lifecycle.purge(globalPositions);
    },

    async reclaimSpace() {
      assertOpen();
      return lifecycle.reclaimSpace();
    },

    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort();
        signal.notify();
        // Appends accepted before close still commit (or fail) before the connection goes; so do open transactions.
        await writer.idle();
        await lock.run(async () => undefined);
        try {
          db.pragma('optimize');
        } catch {
          // Best effort: it only refreshes planner statistics.
        }
        readDb.close();
        db.close();
        scratch?.remove();
      })();
      return closed;
    },
  };
}
