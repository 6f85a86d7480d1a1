import { setTimeout as sleep } from 'node:timers/promises';
import { isChronicleError, type EventStore, type RecordedEvent } from '@chronicle/core';
import type { FastifyBaseLogger } from 'fastify';
import { toWire } from '../wire.js';

/** Longest stretch the fan-out keeps the event loop before letting other work run, in ms. */
const DISPATCH_SLICE_MS = 4;
/** Bytes of the newest batches kept, so a client that reconnects a little behind resumes without a store read. */
const RECENT_BYTES = 4 * 1024 * 1024;

/** An event as one SSE message: `id` is its global position. */
export function messageOf(event: RecordedEvent): string {
  return `id: ${event.globalPosition}\nevent: event\ndata: ${JSON.stringify(toWire(event))}\n\n`;
}

/** What a subscription filter may look at: not the data, which a batch does not keep once encoded. */
export type EventHeader = Pick<RecordedEvent, 'globalPosition' | 'type' | 'streamId'>;

/**
 * Events the feed delivers together, encoded once into one buffer that every
 * connection sends (or a slice of, for a filtered one): no copy per client.
 */
export type Batch = {
  readonly events: readonly EventHeader[];
  readonly bytes: Buffer;
  /** Where event i's message starts in `bytes` (and, at i + 1, ends). */
  readonly offsets: readonly number[];
  /** Global position of the first and last event. */
  readonly first: number;
  readonly last: number;
};

function encode(events: RecordedEvent[]): Batch {
  const messages = events.map(messageOf);
  const offsets = [0];
  for (const message of messages) offsets.push(offsets[offsets.length - 1]! + Buffer.byteLength(message));
  return {
    events: events.map(({ globalPosition, type, streamId }) => ({ globalPosition, type, streamId })),
    bytes: Buffer.from(messages.join('')),
    offsets,
    first: events[0]!.globalPosition,
    last: events[events.length - 1]!.globalPosition,
  };
}

/**
 * The parts of `batches` a connection at `after` sends: events after it that
 * `matches` accepts, as slices of the shared buffers (runs of consecutive
 * events are one slice).
 */
export function slicesFor(batches: readonly Batch[], after: number, matches: ((event: EventHeader) => boolean) | undefined): Buffer[] {
  const slices: Buffer[] = [];
  for (const batch of batches) {
    if (batch.last <= after) continue;
    if (!matches && batch.first > after) {
      slices.push(batch.bytes);
      continue;
    }
    let start = -1;
    for (let i = 0; i <= batch.events.length; i++) {
      const event = batch.events[i];
      const take = event !== undefined && event.globalPosition > after && (!matches || matches(event));
      if (take && start < 0) start = i;
      if (!take && start >= 0) {
        slices.push(batch.bytes.subarray(batch.offsets[start], batch.offsets[i]));
        start = -1;
      }
    }
  }
  return slices;
}

/** Receives the batches of new events, in order, synchronously. */
export type FeedListener = (batches: readonly Batch[]) => void;

/**
 * One store subscription shared by every live SSE connection of a server:
 * each event is read from the store once and encoded once, however many
 * clients follow the log (505 subscriptions of their own polled SQLite 2,500
 * times a second and starved every other request). Runs while it has users;
 * a store error restarts it from the last delivered position after a pause.
 */
export type LiveFeed = {
  /** Counts a user in and starts the subscription if needed (resolves once it runs). */
  acquire(): Promise<void>;
  /** Counts a user out; the subscription stops with the last. */
  release(): void;
  /** Position of the last event handed to listeners (listeners that join now get what comes after it). */
  position(): number;
  /**
   * The newest batches after `after`, if the feed still holds every event
   * after it (a client resuming a little behind); undefined when it does not.
   */
  recentAfter(after: number): readonly Batch[] | undefined;
  /** Adds a listener; returns the function that removes it. */
  listen(listener: FeedListener): () => void;
  /** Called when the store is closed for good: no more events will come. */
  onEnd(callback: () => void): () => void;
  /** Stops the subscription. */
  close(): void;
};

/** Creates the feed; nothing runs until the first {@link LiveFeed.acquire}. */
export function createLiveFeed(store: EventStore, logger: FastifyBaseLogger, onStoreError: (error: unknown) => void = () => undefined): LiveFeed {
  const listeners = new Set<FeedListener>();
  const endCallbacks = new Set<() => void>();
  let users = 0;
  let delivered = 0;
  let run: { readonly abort: AbortController; readonly started: Promise<void> } | undefined;
  let pending: RecordedEvent[] = [];
  let flushScheduled = false;
  let closed = false;
  // Batches waiting to be handed out, oldest first; one dispatch runs at a time, so every listener gets them in order.
  let queue: Batch[] = [];
  let dispatching = false;
  let recent: Batch[] = [];
  let recentBytes = 0;

  /**
   * Hands the queued batches to every listener, a slice of listeners per turn
   * of the event loop (about DISPATCH_SLICE_MS each), so that fanning out to
   * hundreds of sockets never holds up the requests in between. Batches that
   * queued up meanwhile go out together: fewer, larger writes.
   */
  const dispatch = (): void => {
    if (dispatching) return;
    dispatching = true;
    const slice = (batches: readonly Batch[], targets: readonly FeedListener[], from: number): void => {
      const started = performance.now();
      let i = from;
      while (i < targets.length && performance.now() - started < DISPATCH_SLICE_MS) {
        const listener = targets[i++]!;
        if (listeners.has(listener)) listener(batches);
      }
      if (i < targets.length) setImmediate(slice, batches, targets, i);
      else next();
    };
    const next = (): void => {
      if (queue.length === 0) {
        dispatching = false;
        return;
      }
      const batches = queue;
      queue = [];
      // Listeners that join from here on caught up to `delivered` from the store: these batches are not theirs.
      delivered = batches[batches.length - 1]!.last;
      slice(batches, [...listeners], 0);
    };
    next();
  };

  const flush = (): void => {
    flushScheduled = false;
    if (pending.length === 0) return;
    const batch = encode(pending);
    pending = [];
    recent.push(batch);
    recentBytes += batch.bytes.length;
    while (recent.length > 1 && recentBytes > RECENT_BYTES) recentBytes -= recent.shift()!.bytes.length;
    queue.push(batch);
    dispatch();
  };

  const follow = async (abort: AbortController, from: number): Promise<void> => {
    let after = from;
    for (let pause = 250; !abort.signal.aborted; pause = Math.min(pause * 2, 5_000)) {
      try {
        for await (const event of store.subscribe({ after, signal: abort.signal })) {
          after = event.globalPosition;
          pause = 250;
          pending.push(event);
          // Everything the subscription yields in one turn goes out as one batch.
          if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flush);
          }
        }
        return;
      } catch (error) {
        if (abort.signal.aborted) return;
        if (isChronicleError(error, 'STORE_CLOSED')) {
          for (const callback of [...endCallbacks]) callback();
          return;
        }
        onStoreError(error);
        logger.warn({ err: error, after }, 'live feed: the store subscription failed; retrying');
        await sleep(pause, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  };

  const start = (): { readonly abort: AbortController; readonly started: Promise<void> } => {
    const abort = new AbortController();
    const started = store.headPosition().then((head) => {
      if (abort.signal.aborted) return;
      delivered = head;
      void follow(abort, head);
    });
    // A failed start is retried by the next acquire.
    started.catch(() => {
      if (run?.abort === abort) run = undefined;
    });
    return { abort, started };
  };

  return {
    async acquire() {
      if (closed) throw new Error('the live feed is closed');
      users++;
      run ??= start();
      try {
        await run.started;
      } catch (error) {
        users--;
        throw error;
      }
    },
    release() {
      users--;
      if (users === 0 && run) {
        run.abort.abort();
        run = undefined;
        pending = [];
        queue = [];
        recent = [];
        recentBytes = 0;
      }
    },
    position: () => delivered,
    recentAfter(after) {
      // Batches are contiguous: the feed holds everything after `after` if its oldest batch starts at or before after + 1.
      if (recent.length === 0 || recent[0]!.first > after + 1) return undefined;
      return recent.filter((batch) => batch.last > after);
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onEnd(callback) {
      endCallbacks.add(callback);
      return () => endCallbacks.delete(callback);
    },
    close() {
      closed = true;
      run?.abort.abort();
      run = undefined;
    },
  };
}
