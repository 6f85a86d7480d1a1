import { useCallback, useEffect, useRef, useState } from 'react';
import { chronicle } from '../api/chronicle';
import type { WireEvent } from '../api/types';
import { PageCache, pageOf, pageStart } from '../../src/model/stream-window';

/** Events per request when paging through a stream. */
export const PAGE_SIZE = 100;
/** Pages kept in memory (LRU): 6,000 events at most, however long the stream. */
const CACHED_PAGES = 60;

/** A stream's events, fetched a page at a time as rows come into view. */
export type StreamPages = {
  /** The event at a stream position, if its page is loaded. */
  eventAt(position: number): WireEvent | undefined;
  /** Loads these pages (those not loaded or loading), in order. */
  request(pages: readonly number[]): void;
  /** Failure of the last page request, if any. */
  readonly error: string | undefined;
};

/**
 * Page cache over `GET /v1/streams/:id?from=&limit=`: only the pages asked for
 * (those in view) are fetched, and only a bounded number are kept.
 */
export function useStreamPages(streamId: string, version: number): StreamPages {
  const cache = useRef(new PageCache<ReadonlyMap<number, WireEvent>>(CACHED_PAGES));
  const loading = useRef(new Set<number>());
  const [, setLoaded] = useState(0);
  const [error, setError] = useState<string>();

  useEffect(() => {
    cache.current = new PageCache(CACHED_PAGES);
    loading.current = new Set();
    setLoaded((n) => n + 1);
  }, [streamId, version]);

  const request = useCallback(
    (pages: readonly number[]) => {
      const owner = cache.current;
      for (const page of pages) {
        if (owner.has(page) || loading.current.has(page) || pageStart(page, PAGE_SIZE) > version) continue;
        loading.current.add(page);
        chronicle.readStream(streamId, { from: pageStart(page, PAGE_SIZE), limit: PAGE_SIZE }).then(
          (result) => {
            loading.current.delete(page);
            if (cache.current !== owner) return;
            owner.set(page, new Map(result.events.map((event) => [event.streamPosition, event])));
            setError(undefined);
            setLoaded((n) => n + 1);
          },
          (failure: unknown) => {
            loading.current.delete(page);
            setError((failure as Error).message);
          },
        );
      }
    },
    [streamId, version],
  );

  const eventAt = useCallback((position: number) => cache.current.get(pageOf(position, PAGE_SIZE))?.get(position), []);
  return { eventAt, request, error };
}
