import {
  AppendSignal,
  StoreClosedError,
  assertExpectedVersion,
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
import { createQuery } from './busy-retry.js';
import { createGroupCommit } from './group-commit.js';
import { openDatabase } from './open-database.js';
import { GlobalReader, StreamLister, StreamReader, type ReadContext } from './readers.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { resolveOptions, type SqliteStoreOptions } from './sqlite-store-options.js';
import { toStoreError } from './sqlite-errors.js';
import type { Migration } from './sql/migrations.js';
import { prepareStatements } from './sql/statements.js';
import { uuidV7 } from './uuid-v7.js';
import { createAppendWriter } from './write-append.js';

/**
 * An event store in one SQLite file: the embedded default. Durable by default
 * (WAL, synchronous=FULL), safe to share between processes, with group commit
 * so that concurrent appends share one fsync. Opens (creating or migrating)
 * the file synchronously; call `close()` when done.
 *
 * @example
 * const store = createSqliteStore({ path: 'data/chronicle.db' });
 * await store.append('table-7', [{ type: 'TableOpened', data: { seats: 4 } }], 'no_stream');
 *
 * @throws UnsupportedSchemaVersionError when the file was written by a newer `@chronicle/sqlite`.
 * @throws StoreUnavailableError when the file cannot be opened (I/O error, or locked past `busyTimeoutMs`).
 */
export function createSqliteStore(options: SqliteStoreOptions): EventStore {
  return openSqliteStore(options);
}

/** {@link createSqliteStore} with a substitute migration list, for tests of the migration path. */
export function openSqliteStore(options: SqliteStoreOptions, migrations?: readonly Migration[]): EventStore {
  const settings = resolveOptions(options);
  const info: StoreInfo = { name: 'sqlite', multiStreamAppend: true, maxEventBytes: settings.maxEventBytes };
  let db: SqliteDatabase;
  try {
    db = openDatabase({ ...settings, ...(migrations ? { migrations } : {}) });
  } catch (error) {
    throw toStoreError(error, `opening ${settings.path}`, false);
  }
  const statements = prepareStatements(db);
  const signal = new AppendSignal();
  const closing = new AbortController();
  const assertOpen = (): void => {
    if (closing.signal.aborted) throw new StoreClosedError(info.name);
  };
  const query = createQuery(assertOpen, settings.busyTimeoutMs);
  const readContext: ReadContext = { statements, query, assertOpen };
  const readAll = (readOptions?: ReadAllOptions): AsyncIterable<RecordedEvent> => new GlobalReader(readContext, readOptions);
  const writer = createGroupCommit({
    db,
    statements,
    write: createAppendWriter(db, statements, settings.clock, settings.onAppend),
    busyTimeoutMs: settings.busyTimeoutMs,
    onCommit: () => signal.notify(),
  });
  let closed: Promise<void> | undefined;

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

    readStream: (streamId: string, readOptions?: ReadStreamOptions) => new StreamReader(readContext, streamId, readOptions),
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

    listStreams: (listOptions?: ListStreamsOptions) => new StreamLister(readContext, listOptions),
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
          // Best effort: it only refreshes planner statistics.
        }
        db.close();
      })();
      return closed;
    },
  };
}
