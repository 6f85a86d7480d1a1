import { ValidationError } from '../errors/errors.js';
import type { RecordedEvent } from '../events/event.js';
import type { AppendSignal } from './append-signal.js';
import type { ReadAllOptions, SubscribeOptions } from './event-store.js';

import { startPosition, type SubscriptionStarts } from './subscription-starts.js';
import { assertGlobalLogFilter } from './global-filter.js';

/** What {@link subscribeToAll} needs from an adapter. */
export type SubscriptionSource = {
  /** A gap-safe global-log read (the adapter's own `readAll`). */
  readonly readAll: (options: ReadAllOptions) => AsyncIterable<RecordedEvent>;
  readonly headPosition: () => Promise<number>;
  /** Notified by the adapter after its own commits. */
  readonly signal: AppendSignal;
  /** Longest wait before reading again without a notification (commits from other processes). */
  readonly pollIntervalMs: number;
  /** Aborted when the store closes. */
  readonly closed: AbortSignal;
  /**
   * The store's writes wait on it while an `'end'` start is being read
   * (needed where `headPosition` answers asynchronously; see {@link SubscriptionStarts}).
   */
  readonly starts?: SubscriptionStarts;
};

/**
 * The catch-up-then-live loop every adapter shares: read pages of the global
 * log after the last delivered position; when a page comes back empty, wait for
 * a commit notification (or the poll interval) and read again. Correctness
 * (no skipped, no repeated event) rests on the adapter's `readAll` being
 * gap-safe; this loop only ever asks for positions after the last one delivered.
 * The start is fixed when this is called: `'end'` reads the head at once.
 */
export function subscribeToAll(
  source: SubscriptionSource,
  options: SubscribeOptions = {},
): AsyncGenerator<RecordedEvent> {
  return follow(source, options, startPosition(options.after, source.headPosition, source.starts));
}

async function* follow(
  source: SubscriptionSource,
  options: SubscribeOptions,
  start: Promise<number>,
): AsyncGenerator<RecordedEvent> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw ValidationError.of('batchSize', 'must be an integer >= 1');
  const { filter } = options;
  assertGlobalLogFilter(filter);
  let position = await start;

  const stop = options.signal ? AbortSignal.any([options.signal, source.closed]) : source.closed;
  while (!stop.aborted) {
    const ticket = source.signal.ticket();
    let count = 0;
    try {
      // Filtered, a page can come back short after scanning past many events:
      // the head read before it lets the next page start past them.
      const head = filter ? await source.headPosition() : 0;
      for await (const event of source.readAll({ after: position, limit: batchSize, ...(filter ? { filter } : {}) })) {
        if (stop.aborted) return;
        position = event.globalPosition;
        count++;
        yield event;
      }
      // Every event up to that head was read by now (it is gap-safe), so none that passes is left behind.
      if (count < batchSize && head > position) position = head;
    } catch (error) {
      // Closing the store while a page is in flight ends the subscription quietly.
      if (source.closed.aborted) return;
      throw error;
    }
    if (count < batchSize) await source.signal.wait(ticket, source.pollIntervalMs, stop);
  }
}
