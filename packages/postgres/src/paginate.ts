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
