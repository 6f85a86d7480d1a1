/** How one paged read fetches and advances. */
export type PageSource<Row, Cursor> = {
  readonly fetch: (cursor: Cursor, size: number) => Promise<readonly Row[]>;
  /** The cursor after `last`, or undefined when nothing can follow it. */
  readonly advance: (last: Row) => Cursor | undefined;
};

/**
 * Yields the pages of a read, at most `limit` rows in all. The next page is
 * requested as soon as the current one arrives, so the database works while
 * the caller consumes; at most two pages are in memory. A page shorter than
 * asked ends the read. Pages, not rows: the caller's own generator yields
 * the rows, so each row passes one generator instead of a chain of them
 * (every async-generator layer costs a few promises per item).
 */
export async function* pages<Row, Cursor>(
  source: PageSource<Row, Cursor>,
  start: Cursor,
  limit: number,
  pageSize: number,
): AsyncGenerator<readonly Row[]> {
  let remaining = limit;
  let size = Math.min(pageSize, remaining);
  if (size <= 0) return;
  let pending = source.fetch(start, size);
  for (;;) {
    const rows = await pending;
    remaining -= rows.length;
    const next = rows.length === size && remaining > 0 ? source.advance(rows[rows.length - 1]!) : undefined;
    if (next !== undefined) {
      size = Math.min(pageSize, remaining);
      pending = source.fetch(next, size);
      // If the caller stops early nobody awaits the prefetch; keep its failure from going unhandled.
      pending.catch(() => undefined);
    }
    if (rows.length > 0) yield rows;
    if (next === undefined) return;
  }
}

/**
 * The rows of a read's pages, mapped one at a time, as an async iterator
 * that is not a generator: a row already in memory is handed out with one
 * resolved promise, where an async generator's `yield` costs several. Every
 * event of every subscription passes here.
 */
export function rowsOf<Row, T>(source: AsyncGenerator<readonly Row[]>, map: (row: Row) => T): AsyncIterableIterator<T> {
  let page: readonly Row[] = [];
  let index = 0;
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (index < page.length) {
        try {
          return Promise.resolve({ done: false, value: map(page[index++]!) });
        } catch (error) {
          return Promise.reject(error);
        }
      }
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return source.next().then((result) => {
        if (result.done) {
          finished = true;
          return { done: true, value: undefined };
        }
        page = result.value;
        index = 0;
        return iterator.next();
      });
    },
    async return(): Promise<IteratorResult<T>> {
      finished = true;
      page = [];
      await source.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
