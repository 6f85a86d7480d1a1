import {
  AppendSignal,
  StoreClosedError,
  assertExpectedVersion,
  assertListStreamsOptions,
  assertReadAllOptions,
  assertReadStreamOptions,
  prepareEvents,
  prepareMulti,
  subscribeToAll,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type ListStreamsOptions,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoreInfo,
  type StreamAppend,
  type StreamInfo,
  type SubscribeOptions,
} from '@chronicle/core';
import { retryWhileBusy } from './busy-retry.js';
import { createGroupCommit } from './group-commit.js';
import { openDatabase } from './open-database.js';
import { READ_PAGE_SIZE, globalRowToEvent, prefixUpperBound, streamRowToEvent } from './read-rows.js';
import { resolveOptions, type SqliteStoreOptions } from './sqlite-store-options.js';
import { isBusy, toStoreError } from './sqlite-errors.js';
import { listStreamsStatement, prepareStatements, type GlobalRow, type StreamInfoRow, type StreamRow } from './sql/statements.js';
import type { Migration } from './sql/migrations.js';
import { uuidV7 } from './uuid-v7.js';
import { createAppendWriter } from './write-append.js';

/**
 * An event store in one SQLite file: the embedded default. Durable by default
 * (WAL, synchronous=FULL), safe to share between processes, with group commit
 * so concurrent appends share one fsync. Opens (and creates or migrates) the
 * file synchronously.
 *
 * @example
 * const store = createSqliteStore({ path: 'data/chronicle.db' });
 * await store.append('table-7', [{ type: 'TableOpened', data: { seats: 4 } }], 'no_stream');
 *
 * @throws UnsupportedSchemaVersionError when the file was written by a newer version.
 */
export function createSqliteStore(options: SqliteStoreOptions): EventStore {
  return openSqliteStore(options);
}

/** {@link createSqliteStore} with a substitute migration list (tests of the migration path). */
export function openSqliteStore(options: SqliteStoreOptions, migrations?: readonly Migration[]): EventStore {
  const settings = resolveOptions(options);
  const { busyTimeoutMs } = settings;
  const info: StoreInfo = { name: 'sqlite', multiStreamAppend: true, maxEventBytes: settings.maxEventBytes };
  let db;
  try {
    db = openDatabase({ ...settings, ...(migrations ? { migrations } : {}) });
  } catch (error) {
    throw toStoreError(error, `opening ${settings.path}`, false);
  }
  const statements = prepareStatements(db);
  const signal = new AppendSignal();
  const closing = new AbortController();
  const writer = createGroupCommit({
    db,
    statements,
    write: createAppendWriter(db, statements, settings.clock, settings.onAppend),
    busyTimeoutMs,
    onCommit: () => signal.notify(),
  });
  let closed: Promise<void> | undefined;

  function assertOpen(): void {
    if (closing.signal.aborted) throw new StoreClosedError(info.name);
  }

  /** Runs a read; SQLITE_BUSY (rare for WAL readers) is retried off the event loop. */
  function query<T>(run: () => T, action: string): T | Promise<T> {
    assertOpen();
    try {
      return run();
    } catch (error) {
      if (!isBusy(error)) throw toStoreError(error, action, false);
      return retryWhileBusy(() => {
        assertOpen();
        return run();
      }, action, busyTimeoutMs);
    }
  }

  async function* readStream(streamId: string, readOptions?: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    assertOpen();
    assertReadStreamOptions(streamId, readOptions);
    const backwards = readOptions?.direction === 'backwards';
    const statement = backwards ? statements.readBackwards : statements.readForwards;
    let remaining = readOptions?.limit ?? Number.POSITIVE_INFINITY;
    let from = backwards ? (readOptions?.from ?? Number.MAX_SAFE_INTEGER) : Math.max(readOptions?.from ?? 1, 1);
    while (remaining > 0) {
      const size = Math.min(remaining, READ_PAGE_SIZE);
      const rows = (await query(() => statement.all(streamId, from, size), 'reading a stream')) as StreamRow[];
      for (const row of rows) yield streamRowToEvent(row, streamId);
      if (rows.length < size) return;
      remaining -= rows.length;
      from = rows[rows.length - 1]![1] + (backwards ? -1 : 1);
    }
  }

  async function* readAll(readOptions?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    assertOpen();
    assertReadAllOptions(readOptions);
    let remaining = readOptions?.limit ?? Number.POSITIVE_INFINITY;
    let after = readOptions?.after ?? 0;
    while (remaining > 0) {
      const size = Math.min(remaining, READ_PAGE_SIZE);
      const rows = (await query(() => statements.readAll.all(after, size), 'reading the global log')) as GlobalRow[];
      for (const row of rows) yield globalRowToEvent(row);
      if (rows.length < size) return;
      remaining -= rows.length;
      after = rows[rows.length - 1]![0];
    }
  }

  async function* listStreams(listOptions?: ListStreamsOptions): AsyncGenerator<StreamInfo> {
    assertOpen();
    assertListStreamsOptions(listOptions);
    const prefix = listOptions?.prefix ?? '';
    const upper = prefixUpperBound(prefix);
    // Start after the cursor when it lies inside the prefix range, else at the prefix itself.
    let lower = prefix;
    let lowerInclusive = true;
    const after = listOptions?.after;
    if (after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0) {
      lower = after;
      lowerInclusive = false;
    }
    let remaining = listOptions?.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const size = Math.min(remaining, READ_PAGE_SIZE);
      const statement = listStreamsStatement(statements, { lowerInclusive, upper: upper !== undefined });
      const params = upper === undefined ? [lower, size] : [lower, upper, size];
      const rows = (await query(() => statement.all(...params), 'listing streams')) as StreamInfoRow[];
      for (const [streamId, version] of rows) yield { streamId, version };
      if (rows.length < size) return;
      remaining -= rows.length;
      lower = rows[rows.length - 1]![0];
      lowerInclusive = false;
    }
  }

  async function headPosition(): Promise<number> {
    return (await query(() => statements.headPosition.get(), 'reading the head position')) as number;
  }

  return {
    info,

    async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
      assertOpen();
      assertExpectedVersion(expected);
      const prepared = prepareEvents(streamId, events, info.maxEventBytes, uuidV7);
      return (await writer.submit([{ streamId, expectedVersion: expected, events: prepared }]))[0]!;
    },

    async appendMulti(appends: readonly StreamAppend[]): Promise<readonly AppendResult[]> {
      assertOpen();
      return writer.submit(prepareMulti(appends, info.maxEventBytes, uuidV7));
    },

    readStream,
    readAll,

    subscribe(subscribeOptions?: SubscribeOptions): AsyncIterable<RecordedEvent> {
      assertOpen();
      return subscribeToAll(
        { readAll, headPosition, signal, pollIntervalMs: settings.pollIntervalMs, closed: closing.signal },
        subscribeOptions,
      );
    },

    async getStreamInfo(streamId: string): Promise<StreamInfo | undefined> {
      assertOpen();
      assertReadStreamOptions(streamId, undefined);
      const version = (await query(() => statements.streamVersion.get(streamId), 'reading stream info')) as number | undefined;
      return version === undefined ? undefined : { streamId, version };
    },

    listStreams,
    headPosition,

    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort();
        signal.notify();
        // Appends accepted before close still commit (or fail) before the connection goes.
        await writer.idle();
        try {
          db.pragma('optimize');
        } catch {
          // Best effort: statistics only.
        }
        db.close();
      })();
      return closed;
    },
  };
}
