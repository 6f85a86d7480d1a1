/** One page of rows and whether it is the last. */
export type Page<Row> = { readonly rows: readonly Row[]; readonly last: boolean };

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * A single-use async iterator (and iterable, like an async generator object)
 * that pages through a query. `start` runs on the first `next()`, so
 * validation and closed-store errors surface when iterating, as they do with
 * an async generator; rows are converted one at a time as they are consumed.
 * Serving a buffered page costs one resolved promise per item, about half of
 * what an async generator's `yield` costs, which shows when folding long streams.
 */
export abstract class PagedIterator<Row, Item> implements AsyncIterableIterator<Item> {
  #started = false;
  #rows: readonly Row[] = [];
  #index = 0;
  #last = false;
  #finished = false;
  /** A page fetch in flight; a `next()` arriving meanwhile waits for it. */
  #pending: Promise<IteratorResult<Item, undefined>> | undefined;

  /** Checks the arguments and the store; throws to fail the iteration. */
  protected abstract start(): void;
  /** The next page; called only after the previous one was consumed and was not the last. */
  protected abstract fetch(): Page<Row> | Promise<Page<Row>>;
  /** One row as the item to deliver. */
  protected abstract convert(row: Row): Item;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Item, undefined>> {
    if (this.#pending) return this.#pending.then(() => this.next());
    if (this.#index < this.#rows.length) {
      try {
        return Promise.resolve({ value: this.convert(this.#rows[this.#index++]!), done: false });
      } catch (error) {
        this.#finish();
        return Promise.reject(error);
      }
    }
    if (this.#finished || this.#last) {
      this.#finish();
      return Promise.resolve(DONE);
    }
    const pending = this.#nextPage().finally(() => {
      this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }

  return(): Promise<IteratorResult<Item, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  async #nextPage(): Promise<IteratorResult<Item, undefined>> {
    try {
      if (!this.#started) {
        this.#started = true;
        this.start();
      }
      for (;;) {
        const page = await this.fetch();
        this.#rows = page.rows;
        this.#index = 0;
        this.#last = page.last;
        if (page.rows.length > 0) return { value: this.convert(this.#rows[this.#index++]!), done: false };
        if (page.last) break;
      }
    } catch (error) {
      this.#finish();
      throw error;
    }
    this.#finish();
    return DONE;
  }

  #finish(): void {
    this.#finished = true;
    this.#rows = [];
    this.#index = 0;
  }
}
