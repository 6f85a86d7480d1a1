import {
  StoreClosedError,
  StreamDeletedError,
  assertListStreamsOptions,
  assertReadAllOptions,
  assertReadStreamOptions,
  assertStreamId,
  type ListStreamsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamInfo,
} from '@chronicle/core';
import { isTransient, toStoreError } from './errors.js';
import { queryRows } from './prepared-call.js';
import { pages, rowsOf } from './paginate.js';
import type { ConnectionLease } from './connection-lease.js';
import type { PgQueryConfig } from './pg-types.js';
import { toNumber, toRecordedEvent } from './rows.js';
import type { Queries } from './sql/queries.js';
import { cursorWithoutNul, prefixUpperBound } from './stream-ids.js';

/** Rows per page: large enough to amortize round trips, small enough to keep reads streaming. */
const PAGE_SIZE = 1_000;
const LIST_PAGE_SIZE = 500;
const MAX_POSITION = Number.MAX_SAFE_INTEGER;
/** How long subscription reads retry a lost connection before giving up. */
const RETRY_WINDOW_MS = 30_000;

type Row = readonly unknown[];

/** Columns of an event row (`EVENT_COLUMNS`); a fast-path page row carries its completeness flag after them. */
const EVENT_COLUMN_COUNT = 8;

/** A boolean column as the submittable returns it (`t`), or as `client.query` parses it. */
const isTrue = (value: unknown): boolean => value === 't' || value === true;

export type ReaderDeps = {
  /** Connections for reads (kept checked out between queries: a pool checkout per page costs as much as a small page). */
  readonly connections: ConnectionLease;
  readonly queries: Queries;
  readonly closed: AbortSignal;
  readonly storeName: string;
  /** "Now" for stream maxAge. */
  readonly clock: () => Date;
  /** The store's wake-up generation (`AppendSignal.ticket`): subscription reads started in it may be shared. */
  readonly generation: () => number;
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The store's read side: every query runs on a kept read connection, errors mapped to Chronicle's. */
export function createReaders({ connections, queries, closed, storeName, clock, generation }: ReaderDeps) {
  const assertOpen = (): void => {
    if (closed.aborted) throw new StoreClosedError(storeName);
  };

  async function rows(query: PgQueryConfig, values: unknown[]): Promise<Row[]> {
    assertOpen();
    try {
      return (await connections.use((client) => queryRows(client, { ...query, values }))) as Row[];
    } catch (error) {
      if (closed.aborted) throw new StoreClosedError(storeName);
      throw toStoreError(error, false);
    }
  }

  /** `rows`, retrying transient failures for a while (used by subscriptions, which should ride out a reconnect). */
  async function rowsRetrying(query: PgQueryConfig, values: unknown[]): Promise<Row[]> {
    const deadline = Date.now() + RETRY_WINDOW_MS;
    for (let delay = 50; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        return await rows(query, values);
      } catch (error) {
        if (!isTransient(error) || closed.aborted || Date.now() + delay > deadline) throw error;
        await sleep(delay, closed);
      }
    }
  }

  /**
   * One gap-safe page of the global log (see `readAll` in `sql/queries.ts`):
   * a page whose positions are all committed is returned as read; otherwise
   * the horizon is computed, then the page read again below it (the second
   * statement's snapshot is taken after the horizon, which its safety needs).
   */
  async function logPage(fetch: typeof rows, stored: boolean, after: number, size: number, now: Date): Promise<Row[]> {
    const page = await (stored ? fetch(queries.readAllStored, [after, size]) : fetch(queries.readAll, [after, size, now]));
    const complete = page.length === 0 || isTrue(page[0]![EVENT_COLUMN_COUNT]);
    if (complete) return page;
    const [[horizon] = []] = await fetch(queries.horizon, []);
    return stored ? fetch(queries.readAllStoredBelow, [after, size, horizon]) : fetch(queries.readAllBelow, [after, size, now, horizon]);
  }

  /**
   * Converts a shared page's int8 columns (positions, recorded-at
   * milliseconds), which arrive as text, to numbers once, in place, rather
   * than once per subscription that decodes the row: parsing them was half of
   * an event's decoding (`Number` on a 13-digit string is not cheap).
   */
  function withNumbers(page: Row[]): Row[] {
    for (const row of page) {
      const columns = row as unknown[];
      columns[0] = toNumber(columns[0]);
      columns[2] = toNumber(columns[2]);
      columns[7] = toNumber(columns[7]);
    }
    return page;
  }

  /** Subscription pages in flight, by `after:size`, with the wake-up generation they started in. */
  const inFlight = new Map<string, { readonly generation: number; readonly rows: Promise<Row[]> }>();

  /**
   * A subscription's page, shared with every subscription that asks for the
   * same page while it is in flight and no wake-up happened since it started:
   * subscribers at the live tail all wake on one commit and ask for the same
   * page, which is then one query instead of one each. A subscription woken
   * after the query started never joins it (its generation moved), so it
   * reads again and cannot miss the commit that woke it.
   */
  function sharedPage(after: number, size: number, now: Date): Promise<Row[]> {
    const key = `${after}:${size}`;
    const current = generation();
    const running = inFlight.get(key);
    if (running?.generation === current) return running.rows;
    const entry = { generation: current, rows: logPage(rowsRetrying, false, after, size, now).then(withNumbers) };
    inFlight.set(key, entry);
    const done = (): void => {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    };
    entry.rows.then(done, done);
    return entry.rows;
  }

  async function* globalLog(options: ReadAllOptions | undefined, fetch: typeof rows | 'shared', stored = false): AsyncGenerator<RecordedEvent> {
    assertOpen();
    assertReadAllOptions(options);
    const now = clock();
    const filter = options?.filter;
    const shaped = options?.direction === 'backwards' || options?.before !== undefined;
    if (shaped || filter?.eventTypes || filter?.streamIdPrefixes) {
      // Filtered pages differ per subscriber, so they are not shared; subscriptions still ride out reconnects.
      yield* shapedLog(options!, fetch === 'shared' ? rowsRetrying : fetch, stored, now);
      return;
    }
    const source = {
      fetch: (after: number, size: number) => (fetch === 'shared' ? sharedPage(after, size, now) : logPage(fetch, stored, after, size, now)),
      advance: (last: Row) => toNumber(last[0]),
    };
    for await (const page of pages(source, options?.after ?? 0, options?.limit ?? Number.POSITIVE_INFINITY, PAGE_SIZE)) {
      for (const row of page) yield toRecordedEvent(row);
    }
  }

  /** The global log backwards, bounded above, or filtered (see `globalPage` in `sql/queries.ts`). */
  async function* shapedLog(
    options: ReadAllOptions,
    fetch: typeof rows,
    stored: boolean,
    now: Date,
  ): AsyncGenerator<RecordedEvent> {
    const types = options.filter?.eventTypes ?? null;
    const prefixes = options.filter?.streamIdPrefixes ?? null;
    const visible = stored ? [] : [now];
    const after = options.after ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let source: { fetch: (cursor: number, size: number) => Promise<Row[]>; advance: (last: Row) => number };
    let start: number;
    if (options.direction === 'backwards') {
      const query = queries.globalPage({ backwards: true, visible: !stored });
      // Every position up to the head is settled: a backwards read starts there and needs no horizon.
      const [[head] = []] = await fetch(queries.headPosition, []);
      start = Math.min(options.before ?? MAX_POSITION, toNumber(head) + 1);
      source = {
        fetch: (before, size) => fetch(query, [after, size, before, types, prefixes, ...visible]),
        advance: (last) => toNumber(last[0]),
      };
    } else {
      const query = queries.globalPage({ backwards: false, visible: !stored });
      const before = options.before ?? MAX_POSITION;
      start = after;
      source = {
        async fetch(from, size) {
          // A filtered page skips positions, so the fast path's completeness test cannot apply: read below the horizon.
          const [[horizon] = []] = await fetch(queries.horizon, []);
          return fetch(query, [from, size, horizon, before, types, prefixes, ...visible]);
        },
        advance: (last) => toNumber(last[0]),
      };
    }
    for await (const page of pages(source, start, limit, PAGE_SIZE)) {
      for (const row of page) yield toRecordedEvent(row);
    }
  }

  async function headPosition(): Promise<number> {
    const [row] = await rows(queries.headPosition, []);
    return toNumber(row![0]);
  }

  /** The pages of a stream's visible rows. */
  function streamPages(streamId: string, options: ReadStreamOptions | undefined): AsyncGenerator<readonly Row[]> | undefined {
    const limit = options?.limit ?? Number.POSITIVE_INFINITY;
    const now = clock();
    if (options?.direction === 'backwards') {
      const source = {
        fetch: (from: number, size: number) => rows(queries.readBackwards, [streamId, from, size, now]),
        advance: (last: Row) => (toNumber(last[2]) > 1 ? toNumber(last[2]) - 1 : undefined),
      };
      const from = options.from ?? MAX_POSITION;
      return from >= 1 ? pages(source, from, limit, PAGE_SIZE) : undefined;
    }
    const source = {
      fetch: (from: number, size: number) => rows(queries.readForwards, [streamId, from, size, now]),
      advance: (last: Row) => toNumber(last[2]) + 1,
    };
    return pages(source, Math.max(options?.from ?? 1, 1), limit, PAGE_SIZE);
  }

  return {
    /** A stream's visible events; a read that finds nothing checks for a tombstone (STREAM_DELETED). */
    async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
      assertOpen();
      assertReadStreamOptions(streamId, options);
      let found = false;
      const source = streamPages(streamId, options);
      if (source) {
        for await (const page of source) {
          found = true;
          for (const row of page) yield toRecordedEvent(row);
        }
      }
      if (!found) {
        if ((await rows(queries.tombstoned, [streamId])).length > 0) throw new StreamDeletedError(streamId);
      }
    },

    /** Gap-safe: never returns an event while an earlier position may still commit (an append of this store in flight). */
    readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
      return globalLog(options, rows);
    },

    /** Every stored event, hidden ones included (for the archiver); gap-safe like `readAll`. */
    readAllStored(options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
      return globalLog(options, rows, true);
    },

    /** `readAll` for subscriptions: rides out connection loss for a while; shares pages (see `sharedPage`). */
    readAllRetrying(options: ReadAllOptions): AsyncIterable<RecordedEvent> {
      const filter = options.filter;
      if (options.direction === 'backwards' || options.before !== undefined || filter?.eventTypes || filter?.streamIdPrefixes) {
        return globalLog(options, 'shared');
      }
      assertOpen();
      assertReadAllOptions(options);
      const now = clock();
      const source = { fetch: (after: number, size: number) => sharedPage(after, size, now), advance: (last: Row) => toNumber(last[0]) };
      return rowsOf(pages(source, options.after ?? 0, options.limit ?? Number.POSITIVE_INFINITY, PAGE_SIZE), toRecordedEvent);
    },

    /** A page of the global log for an unfiltered subscription: gap-safe, shared (see `sharedPage`), retrying. */
    subscriptionPage(after: number, size: number): Promise<Row[]> {
      assertOpen();
      return sharedPage(after, size, clock());
    },

    headPosition,

    /** Stored events by id, hidden ones included. */
    async eventsById(ids: readonly string[]): Promise<RecordedEvent[]> {
      return (await rows(queries.eventsById, [ids])).map(toRecordedEvent);
    },

    async getStreamInfo(streamId: string): Promise<StreamInfo | undefined> {
      assertOpen();
      assertStreamId(streamId);
      const [row] = await rows(queries.streamInfo, [streamId]);
      return row ? { streamId, version: toNumber(row[0]) } : undefined;
    },

    async *listStreams(options?: ListStreamsOptions): AsyncGenerator<StreamInfo> {
      assertOpen();
      assertListStreamsOptions(options);
      const prefix = options?.prefix ?? '';
      if (prefix.includes('\u0000')) return; // no stored id contains NUL
      const bound = prefixUpperBound(prefix);
      const query = queries.listStreams(bound !== undefined);
      const source = {
        fetch: (after: string, size: number) => rows(query, bound === undefined ? [prefix, after, size] : [prefix, after, size, bound]),
        advance: (last: Row) => last[0] as string,
      };
      const start = cursorWithoutNul(options?.after ?? '');
      for await (const page of pages(source, start, options?.limit ?? Number.POSITIVE_INFINITY, LIST_PAGE_SIZE)) {
        for (const row of page) yield { streamId: row[0] as string, version: toNumber(row[1]) };
      }
    },
  };
}
