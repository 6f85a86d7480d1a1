import { ValidationError, type AppendSignal, type RecordedEvent } from '@chronicle/core';
import type { Listener } from './listener.js';
import { toNumber, toRecordedEvent } from './rows.js';

type Row = readonly unknown[];

/** Rows per page read, at most (a larger `batchSize` reads several pages, the next one fetched ahead). */
const MAX_PAGE = 1_000;
/** Rows the tail may queue for one follower that does not keep up; past that it leaves and reads on its own. */
const MAX_QUEUED = 2 * MAX_PAGE;

/** What the store's subscriptions need from it. */
export type SubscriptionDeps = {
  /** A gap-safe page of the global log after a position (the readers' shared, retrying page). */
  readonly page: (after: number, size: number) => Promise<readonly Row[]>;
  /** Notified after the store's own commits and on other processes' notifications. */
  readonly signal: AppendSignal;
  readonly pollIntervalMs: number;
  /** Aborted when the store closes: subscriptions then end quietly. */
  readonly closed: AbortSignal;
};

/** A subscription at the live tail: the tail hands it every page it reads. */
type Follower = {
  /** Pages queued for the subscription, oldest first. */
  readonly pages: (readonly Row[])[];
  queued: number;
  /** Set when the follower fell too far behind (or the tail failed): it reads on its own again. */
  left: boolean;
  error?: unknown;
  /** Resolves the subscription's wait for a page, if it waits. */
  wake: (() => void) | undefined;
};

/**
 * The single reader at the live tail of the global log. Subscriptions that
 * have caught up join it as followers; then, on each wake-up (the store's own
 * commits, another process's notification, or the poll interval), the tail
 * reads one gap-safe page after its position and queues that same page for
 * every follower. Without it every subscription woke, read (a shared query,
 * but its own promise chain, timer and abort listener) and went back to
 * waiting on every wake-up: with 20 subscriptions that per-wake work cost
 * appends on a small pool more than the events themselves (see the package
 * README's Performance section). A follower that falls behind by more than
 * {@link MAX_QUEUED} rows leaves and reads on its own, so a slow subscriber
 * holds neither the others nor memory.
 */
export type Tail = {
  /**
   * Makes `follower` receive every page after `at`, when the tail is at
   * `at` (or idle, then it moves there); `ticket` is the wake-up generation
   * before the follower's own last read. False when the tail is elsewhere.
   */
  readonly join: (follower: Follower, at: number, ticket: number) => boolean;
  readonly leave: (follower: Follower) => void;
  /** Whether the tail has read past `at` (a subscription there need not wait to read on). */
  readonly isPast: (at: number) => boolean;
};

export function createTail(deps: SubscriptionDeps): Tail {
  const followers = new Set<Follower>();
  let position = 0;
  let running = false;
  /** The generation the loop waits after, and how to end that wait early. */
  let waiting: { readonly ticket: number; readonly kick: () => void } | undefined;

  function deliver(page: readonly Row[]): void {
    for (const follower of followers) {
      follower.pages.push(page);
      follower.queued += page.length;
      if (follower.queued > MAX_QUEUED) {
        followers.delete(follower);
        follower.left = true;
      }
      const wake = follower.wake;
      follower.wake = undefined;
      wake?.();
    }
  }

  function fail(error: unknown): void {
    for (const follower of followers) {
      follower.error = error;
      follower.left = true;
      const wake = follower.wake;
      follower.wake = undefined;
      wake?.();
    }
    followers.clear();
  }

  async function run(ticket: number): Promise<void> {
    try {
      while (followers.size > 0 && !deps.closed.aborted) {
        const woken = deps.signal.wait(ticket, deps.pollIntervalMs, deps.closed);
        await new Promise<void>((kick) => {
          waiting = { ticket, kick };
          void woken.then(kick);
        });
        waiting = undefined;
        if (followers.size === 0 || deps.closed.aborted) break;
        ticket = deps.signal.ticket();
        const from = position;
        const page = await deps.page(from, MAX_PAGE);
        // Followers may have joined meanwhile, at `position`; it moved only if every follower had left.
        if (position !== from) ticket = -1; // moved by a join meanwhile: read at the new position at once
        if (position !== from || page.length === 0) continue;
        position = toNumber(page[page.length - 1]![0]);
        deliver(page);
        // A full page: more may be readable now, so do not wait for a wake-up.
        if (page.length === MAX_PAGE) ticket = -1;
      }
    } catch (error) {
      if (!deps.closed.aborted) fail(error);
    } finally {
      running = false;
    }
    // A follower may have joined as the loop ended.
    if (followers.size > 0 && !deps.closed.aborted) start(-1);
  }

  function start(ticket: number): void {
    running = true;
    void run(ticket);
  }

  return {
    join(follower, at, ticket) {
      if (followers.size === 0) position = at;
      else if (position !== at) return false;
      followers.add(follower);
      if (!running) start(ticket);
      // The loop waits for wake-ups after a later generation than the follower's read: a commit in between
      // may be missing from that read, so read now rather than at the next wake-up or poll.
      else if (waiting && ticket < waiting.ticket) waiting.kick();
      return true;
    },
    leave(follower) {
      followers.delete(follower);
    },
    isPast: (at) => followers.size > 0 && position > at,
  };
}

const DONE: IteratorResult<RecordedEvent> = { done: true, value: undefined };

/**
 * Core's subscription loop (`subscribeToAll`: read pages after the last
 * delivered position; after a short page, wait for a wake-up or the poll
 * interval, then read again) for an unfiltered forward subscription, as a
 * plain iterator over rows: an event already read is handed out with one
 * resolved promise, where the generic loop passes it through an async
 * generator's `yield` and the store's listening wrapper. A subscription reads
 * its own pages (shared with others at the same position while catching up)
 * until a page comes back short; then it joins the store's {@link Tail} if
 * the tail is at the same position, and is handed the tail's pages from then
 * on, without reads or waits of its own. Each subscription decodes its own
 * copy of every event (subscribers never share mutable objects). Same start,
 * order, gap safety and end as the generic loop: it only ever receives
 * positions after the last one it has, from the same gap-safe page reads.
 */
export function pageSubscription(
  deps: SubscriptionDeps & { readonly tail: Tail; readonly listener: Listener },
  start: Promise<number>,
  options: { readonly signal?: AbortSignal; readonly batchSize?: number },
): AsyncIterableIterator<RecordedEvent> {
  const stop = options.signal ? AbortSignal.any([options.signal, deps.closed]) : deps.closed;
  const batchSize = options.batchSize ?? 500;
  const size = Math.min(batchSize, MAX_PAGE);
  /** The position after the last row received (delivered or in `rows`); undefined before the start is known. */
  let readTo: number | undefined;
  let rows: readonly Row[] = [];
  let index = 0;
  /** Whether the last own page was full (read on at once) or short (wait for a wake-up first). */
  let full = true;
  /** The wake-up generation before the last own page (or the one fetched ahead) was requested. */
  let ticket = 0;
  let ahead: { readonly rows: Promise<readonly Row[]>; readonly ticket: number } | undefined;
  let following: Follower | undefined;
  let ended = false;
  let release: (() => void) | undefined;
  let refilling: Promise<IteratorResult<RecordedEvent>> | undefined;

  const onStop = (): void => {
    const wake = following?.wake;
    if (following) following.wake = undefined;
    wake?.();
  };

  function end(): void {
    if (ended) return;
    ended = true;
    rows = [];
    index = 0;
    ahead = undefined;
    if (following) deps.tail.leave(following);
    following = undefined;
    stop.removeEventListener('abort', onStop);
    release?.();
    release = undefined;
  }

  function fetch(after: number): { readonly rows: Promise<readonly Row[]>; readonly ticket: number } {
    const read = { ticket: deps.signal.ticket(), rows: deps.page(after, size) };
    read.rows.catch(() => undefined); // a read fetched ahead may never be awaited (the consumer stopped)
    return read;
  }

  /** The follower's next queued page; waits for one. Undefined once it left the tail. */
  async function nextFromTail(follower: Follower): Promise<readonly Row[] | undefined> {
    while (follower.pages.length === 0 && !follower.left && !stop.aborted) {
      await new Promise<void>((resolve) => (follower.wake = resolve));
    }
    const page = follower.pages.shift();
    if (page) {
      follower.queued -= page.length;
      return page;
    }
    if (follower.error !== undefined) throw follower.error;
    return undefined;
  }

  /** Reads own pages until one has rows, waiting for wake-ups after short ones. */
  async function ownPage(): Promise<readonly Row[] | undefined> {
    for (;;) {
      if (stop.aborted) return undefined;
      if (!full && !ahead) {
        if (deps.tail.isPast(readTo!))
          full = true; // the tail read further: there is more now
        else await deps.signal.wait(ticket, deps.pollIntervalMs, stop);
        if (stop.aborted) return undefined;
      }
      const read = ahead ?? fetch(readTo!);
      ahead = undefined;
      const page = await read.rows;
      if (ended) return undefined;
      ticket = read.ticket;
      full = page.length === size;
      if (page.length > 0) readTo = toNumber(page[page.length - 1]![0]);
      if (full) ahead = fetch(readTo!);
      else {
        // Caught up: follow the tail if it is here (this page's rows go out first).
        const follower: Follower = { pages: [], queued: 0, left: false, wake: undefined };
        if (deps.tail.join(follower, readTo!, ticket)) following = follower;
      }
      if (page.length > 0) return page;
      if (following) return undefined;
    }
  }

  /** The next page of rows; false once the subscription ends. */
  async function refill(): Promise<boolean> {
    if (readTo === undefined) {
      if (!Number.isSafeInteger(batchSize) || batchSize < 1)
        throw ValidationError.of('batchSize', 'must be an integer >= 1');
      readTo = await start;
      stop.addEventListener('abort', onStop, { once: true });
    }
    try {
      for (;;) {
        if (stop.aborted || ended) return false;
        if (following) {
          const follower = following;
          const page = await nextFromTail(follower);
          if (page) {
            readTo = toNumber(page[page.length - 1]![0]);
            rows = page;
            index = 0;
            return true;
          }
          // Left the tail (fell behind): read on from where its pages end.
          following = undefined;
          full = true;
          continue;
        }
        const page = await ownPage();
        if (page) {
          rows = page;
          index = 0;
          return true;
        }
      }
    } catch (error) {
      // Closing the store while a page is in flight ends the subscription quietly.
      if (deps.closed.aborted) return false;
      throw error;
    }
  }

  const iterator: AsyncIterableIterator<RecordedEvent> = {
    next(): Promise<IteratorResult<RecordedEvent>> {
      if (index < rows.length) {
        if (stop.aborted) {
          end();
          return Promise.resolve(DONE);
        }
        try {
          return Promise.resolve({ done: false, value: toRecordedEvent(rows[index++]) });
        } catch (error) {
          end();
          return Promise.reject(error);
        }
      }
      if (ended) return Promise.resolve(DONE);
      if (refilling) return refilling.then(() => iterator.next());
      release ??= deps.listener.acquire();
      refilling = refill().then(
        (more) => {
          refilling = undefined;
          if (!more) {
            end();
            return DONE;
          }
          return iterator.next();
        },
        (error: unknown) => {
          refilling = undefined;
          end();
          throw error;
        },
      );
      return refilling;
    },
    return(): Promise<IteratorResult<RecordedEvent>> {
      end();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
