const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * The items of a generator of pages, as an async iterator that is not a
 * generator: an item already in memory is handed out with one resolved
 * promise, where an async generator's `yield` costs several, which shows
 * in catch-up reads. The source starts on the first
 * `next()`, so its errors surface when iterating, as with a generator;
 * `return()` (a loop that breaks) ends the source.
 */
export function itemsOf<T>(source: AsyncGenerator<readonly T[], void, undefined>): AsyncIterableIterator<T> {
  let page: readonly T[] = [];
  let index = 0;
  let finished = false;
  let pending: Promise<IteratorResult<T, undefined>> | undefined;
  const nextPage = async (): Promise<IteratorResult<T, undefined>> => {
    for (;;) {
      const result = await source.next();
      if (result.done) {
        finished = true;
        return DONE;
      }
      if (result.value.length > 0) {
        page = result.value;
        index = 1;
        return { value: page[0]!, done: false };
      }
    }
  };
  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T, undefined>> {
      if (pending) return pending.then(() => iterator.next());
      if (index < page.length) return Promise.resolve({ value: page[index++]!, done: false });
      if (finished) return Promise.resolve(DONE);
      const fetching = nextPage();
      pending = fetching.finally(() => {
        pending = undefined;
      });
      // The caller handles the failure through the promise returned here.
      pending.catch(() => undefined);
      return fetching.catch((error: unknown) => {
        finished = true;
        page = [];
        throw error;
      });
    },
    async return(): Promise<IteratorResult<T, undefined>> {
      finished = true;
      page = [];
      await source.return(undefined);
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
