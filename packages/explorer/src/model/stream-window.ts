/** Which way a list of stream events is shown. */
export type Order = 'oldest-first' | 'newest-first';

/** Rows `start` (inclusive) to `end` (exclusive) of a list. */
export type RowRange = { readonly start: number; readonly end: number };

/**
 * The stream position shown at row `index` of a stream at `version` (positions
 * run 1..version): row 0 is position 1 oldest-first, or `version` newest-first.
 */
export function positionAt(index: number, order: Order, version: number): number {
  return order === 'oldest-first' ? index + 1 : version - index;
}

/** The row that shows stream position `position` (inverse of {@link positionAt}). */
export function rowOf(position: number, order: Order, version: number): number {
  return order === 'oldest-first' ? position - 1 : version - position;
}

/** The page holding a stream position: page k covers positions k·size+1 … (k+1)·size. */
export function pageOf(position: number, pageSize: number): number {
  return Math.floor((position - 1) / pageSize);
}

/** First stream position of a page (the `from` of its request). */
export function pageStart(page: number, pageSize: number): number {
  return page * pageSize + 1;
}

/**
 * The pages needed to show `range` (plus `overscan` rows either side), in the
 * order they are best fetched: those nearest the middle of the view first.
 */
export function pagesFor(range: RowRange, order: Order, version: number, pageSize: number, overscan = 0): number[] {
  if (version <= 0) return [];
  const start = Math.max(0, range.start - overscan);
  const end = Math.min(version, range.end + overscan);
  if (end <= start) return [];
  const positions = [positionAt(start, order, version), positionAt(end - 1, order, version)];
  const first = pageOf(Math.min(...positions), pageSize);
  const last = pageOf(Math.max(...positions), pageSize);
  const middle = pageOf(positionAt(Math.floor((range.start + Math.max(range.start, range.end - 1)) / 2), order, version), pageSize);
  const pages: number[] = [];
  for (let page = first; page <= last; page++) pages.push(page);
  return pages.sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle) || a - b);
}

/**
 * A bounded cache of fetched pages, least recently used out first, so that
 * scrolling through a 100k-event stream keeps a constant memory footprint.
 */
export class PageCache<T> {
  readonly #pages = new Map<number, T>();
  constructor(readonly capacity: number) {}

  get(page: number): T | undefined {
    const value = this.#pages.get(page);
    if (value !== undefined) {
      this.#pages.delete(page);
      this.#pages.set(page, value);
    }
    return value;
  }

  has(page: number): boolean {
    return this.#pages.has(page);
  }

  set(page: number, value: T): void {
    this.#pages.delete(page);
    this.#pages.set(page, value);
    while (this.#pages.size > this.capacity) this.#pages.delete(this.#pages.keys().next().value as number);
  }

  get size(): number {
    return this.#pages.size;
  }
}
