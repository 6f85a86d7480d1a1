import {
  StreamDeletedError,
  assertListStreamsOptions,
  firstVisiblePosition,
  assertReadAllOptions,
  assertReadStreamOptions,
  type ListStreamsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamInfo,
} from '@chronicle/core';
import type { Query } from './busy-retry.js';
import { PagedIterator, type Page } from './paged-iterator.js';
import { prefixUpperBound } from './prefix-upper-bound.js';
import { globalRowToEvent, streamRowToEvent } from './read-rows.js';
import {
  READ_PAGE_SIZE,
  listStreamsStatement,
  type GlobalRow,
  type PageStatement,
  type Statements,
  type StreamInfoRow,
  type StreamRow,
} from './sql/statements.js';

/** What every reader needs from the store. */
export type ReadContext = {
  readonly statements: Statements;
  readonly query: Query;
  readonly assertOpen: () => void;
  /** Current time in ms (maxAge is measured against it). */
  readonly now: () => number;
};

/**
 * Keyset paging: each page is one indexed range query starting after the last
 * row of the previous page, so memory stays flat however long the stream, no
 * statement stays open between pages, and appends interleave with a long read.
 * Committed events never change, so pages read at different moments fit
 * together; global positions are assigned under the single write lock and
 * become visible in order, so paging the global log never skips an event.
 */
abstract class KeysetReader<Row, Item> extends PagedIterator<Row, Item> {
  protected remaining = Number.POSITIVE_INFINITY;

  constructor(protected readonly context: ReadContext) {
    super();
  }

  /** Runs one page query (a full page, or the shorter last page a `limit` asks for) and moves the cursor. */
  protected page(statement: PageStatement, params: readonly unknown[], action: string): Page<Row> | Promise<Page<Row>> {
    if (this.remaining <= 0) return { rows: [], last: true };
    const size = Math.min(this.remaining, READ_PAGE_SIZE);
    const result = this.context.query(
      () => (size === READ_PAGE_SIZE ? statement.full.all(...params) : statement.limited.all(...params, size)) as Row[],
      action,
    );
    return result instanceof Promise ? result.then((rows) => this.advance(rows, size)) : this.advance(result, size);
  }

  private advance(rows: Row[], size: number): Page<Row> {
    this.remaining -= rows.length;
    const last = rows.length < size || this.remaining <= 0;
    if (!last) this.moveAfter(rows[rows.length - 1]!);
    return { rows, last };
  }

  /** Moves the cursor past `row`, the last of a full page. */
  protected abstract moveAfter(row: Row): void;
}

/** The visible range of a stream under its metadata and deletion state; undefined when unrestricted. */
type Visible = { readonly firstPosition: number; readonly minRecordedAt: number };

type VisibilityRow = [
  version: number | null,
  deleted: number | null,
  hiddenBefore: number,
  maxCount: number | null,
  maxAgeMs: number | null,
  truncateBefore: number | null,
];

/** {@link EventStore.readStream}. */
export class StreamReader extends KeysetReader<StreamRow, RecordedEvent> {
  private from = 0;
  private visible: Visible | undefined | null = null;

  constructor(
    context: ReadContext,
    private readonly streamId: string,
    private readonly options: ReadStreamOptions | undefined,
  ) {
    super(context);
  }

  protected start(): void {
    this.context.assertOpen();
    assertReadStreamOptions(this.streamId, this.options);
    this.remaining = this.options?.limit ?? Number.POSITIVE_INFINITY;
    this.from = this.backwards ? (this.options?.from ?? Number.MAX_SAFE_INTEGER) : Math.max(this.options?.from ?? 1, 1);
  }

  private get backwards(): boolean {
    return this.options?.direction === 'backwards';
  }

  /** Looks up the stream's lifecycle once, on the first page; throws STREAM_DELETED for a tombstone. */
  private lookUpVisibility(row: VisibilityRow | undefined): Visible | undefined {
    if (row === undefined) return undefined;
    const [version, deleted, hiddenBefore, maxCount, maxAgeMs, truncateBefore] = row;
    if (deleted === 2) throw new StreamDeletedError(this.streamId);
    const metadata = { ...(maxCount === null ? {} : { maxCount }), ...(truncateBefore === null ? {} : { truncateBefore }) };
    return {
      firstPosition: firstVisiblePosition(version ?? 0, metadata, hiddenBefore),
      minRecordedAt: maxAgeMs === null ? Number.MIN_SAFE_INTEGER : this.context.now() - maxAgeMs,
    };
  }

  protected fetch(): Page<StreamRow> | Promise<Page<StreamRow>> {
    if (this.visible === null) {
      const row = this.context.query(() => this.context.statements.visibility.get(this.streamId) as VisibilityRow | undefined, 'reading a stream');
      if (row instanceof Promise) {
        return row.then((resolved) => {
          this.visible = this.lookUpVisibility(resolved);
          return this.fetch();
        });
      }
      this.visible = this.lookUpVisibility(row);
    }
    const { readBackwards, readForwards, readBackwardsVisible, readForwardsVisible } = this.context.statements;
    const visible = this.visible;
    if (!visible) return this.page(this.backwards ? readBackwards : readForwards, [this.streamId, this.from], 'reading a stream');
    if (this.backwards) {
      if (this.from < visible.firstPosition) return { rows: [], last: true };
      return this.page(readBackwardsVisible, [this.streamId, this.from, visible.firstPosition, visible.minRecordedAt], 'reading a stream');
    }
    return this.page(readForwardsVisible, [this.streamId, Math.max(this.from, visible.firstPosition), visible.minRecordedAt], 'reading a stream');
  }

  protected moveAfter(row: StreamRow): void {
    this.from = row[1] + (this.backwards ? -1 : 1);
  }

  protected convert(row: StreamRow): RecordedEvent {
    return streamRowToEvent(row, this.streamId);
  }
}

/** {@link EventStore.readAll}. */
export class GlobalReader extends KeysetReader<GlobalRow, RecordedEvent> {
  private after = 0;
  private before = Number.MAX_SAFE_INTEGER;
  /** The filter's lists as JSON parameters (null: no restriction); undefined without a filter. */
  private filter: readonly unknown[] | undefined;

  constructor(
    context: ReadContext,
    private readonly options: ReadAllOptions | undefined,
    /** Every stored event, hidden ones included (the archiver's view). */
    private readonly stored = false,
  ) {
    super(context);
  }

  protected start(): void {
    this.context.assertOpen();
    assertReadAllOptions(this.options);
    this.remaining = this.options?.limit ?? Number.POSITIVE_INFINITY;
    this.after = this.options?.after ?? 0;
    this.before = this.options?.before ?? Number.MAX_SAFE_INTEGER;
    const filter = this.options?.filter;
    if (filter && (filter.eventTypes || filter.streamIdPrefixes)) {
      const types = filter.eventTypes ? JSON.stringify(filter.eventTypes) : null;
      const prefixes = filter.streamIdPrefixes ? JSON.stringify(filter.streamIdPrefixes) : null;
      this.filter = [types, types, prefixes, prefixes];
    }
  }

  private get backwards(): boolean {
    return this.options?.direction === 'backwards';
  }

  protected fetch(): Page<GlobalRow> | Promise<Page<GlobalRow>> {
    const { readAll, readAllVisible, anyLifecycle } = this.context.statements;
    // The common shape (forwards, unbounded above, unfiltered) keeps its own statements.
    const plain = !this.backwards && this.before === Number.MAX_SAFE_INTEGER && !this.filter;
    if (this.stored) return plain ? this.page(readAll, [this.after], 'reading the global log') : this.shaped(false);
    // While no stream has metadata or a deletion (the common case), a page is a plain range scan.
    const pageOf = (restricted: number): Page<GlobalRow> | Promise<Page<GlobalRow>> => {
      if (!plain) return this.shaped(restricted === 1);
      if (restricted) return this.page(readAllVisible, [this.after, this.context.now()], 'reading the global log');
      return this.page(readAll, [this.after], 'reading the global log');
    };
    const restricted = this.context.query(() => anyLifecycle.get() as number, 'reading the global log');
    return restricted instanceof Promise ? restricted.then(pageOf) : pageOf(restricted);
  }

  /** A page of any other shape: backwards, bounded above or filtered. */
  private shaped(visible: boolean): Page<GlobalRow> | Promise<Page<GlobalRow>> {
    const shape = { backwards: this.backwards, visible, filtered: this.filter !== undefined };
    const statement = this.context.statements.globalPage(shape);
    const params = [this.after, this.before, ...(visible ? [this.context.now()] : []), ...(this.filter ?? [])];
    return this.page(statement, params, 'reading the global log');
  }

  protected moveAfter(row: GlobalRow): void {
    if (this.backwards) this.before = row[0];
    else this.after = row[0];
  }

  protected convert(row: GlobalRow): RecordedEvent {
    return globalRowToEvent(row);
  }
}

/** {@link EventStore.listStreams}: a byte range over the streams table, never LIKE. */
export class StreamLister extends KeysetReader<StreamInfoRow, StreamInfo> {
  private lower = '';
  private lowerInclusive = true;
  private upper: string | undefined;

  constructor(
    context: ReadContext,
    private readonly options: ListStreamsOptions | undefined,
  ) {
    super(context);
  }

  protected start(): void {
    this.context.assertOpen();
    assertListStreamsOptions(this.options);
    const prefix = this.options?.prefix ?? '';
    this.remaining = this.options?.limit ?? Number.POSITIVE_INFINITY;
    this.upper = prefixUpperBound(prefix);
    this.lower = prefix;
    // Start after the cursor when it lies inside the prefix range, else at the prefix itself.
    const after = this.options?.after;
    if (after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0) {
      this.lower = after;
      this.lowerInclusive = false;
    }
  }

  protected fetch(): Page<StreamInfoRow> | Promise<Page<StreamInfoRow>> {
    const statement = listStreamsStatement(this.context.statements, { lowerInclusive: this.lowerInclusive, upper: this.upper !== undefined });
    return this.page(statement, this.upper === undefined ? [this.lower] : [this.lower, this.upper], 'listing streams');
  }

  protected moveAfter(row: StreamInfoRow): void {
    this.lower = row[0];
    this.lowerInclusive = false;
  }

  protected convert([streamId, version]: StreamInfoRow): StreamInfo {
    return { streamId, version };
  }
}
