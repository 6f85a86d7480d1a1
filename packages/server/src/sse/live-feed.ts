import { setTimeout as sleep } from 'node:timers/promises';
import { isChronicleError, type EventStore, type RecordedEvent } from '@chronicle/core';
import type { FastifyBaseLogger } from 'fastify';
import { toWire } from '../wire.js';

/** An event as an SSE frame, encoded once and shared by every connection that sends it. */
export type Frame = {
  readonly event: RecordedEvent;
  readonly bytes: Buffer;
};

/** Encodes an event as one SSE message: `id` is its global position. */
export function frameOf(event: RecordedEvent): Frame {
  return { event, bytes: Buffer.from(`id: ${event.globalPosition}\nevent: event\ndata: ${JSON.stringify(toWire(event))}\n\n`) };
}

/** Receives each batch of new events, in order, synchronously. */
export type FeedListener = (frames: readonly Frame[]) => void;

/**
 * One store subscription shared by every live SSE connection of a server:
 * each event is read from the store once and encoded once, however many
 * clients follow the log (505 subscriptions of their own polled SQLite 2,500
 * times a second and starved every other request). Runs while it has users;
 * a store error restarts it from the last delivered position after a pause.
 */
export type LiveFeed = {
  /**
   * Counts a user in and starts the subscription if needed; resolves with the
   * position of the last delivered event (the head when it started).
   */
  acquire(): Promise<number>;
  /** Counts a user out; the subscription stops with the last. */
  release(): void;
  /** Position of the last event delivered to listeners. */
  position(): number;
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
  let run: { readonly abort: AbortController; readonly started: Promise<number> } | undefined;
  let pending: Frame[] = [];
  let flushScheduled = false;
  let closed = false;

  const flush = (): void => {
    flushScheduled = false;
    const frames = pending;
    pending = [];
    if (frames.length === 0) return;
    delivered = frames[frames.length - 1]!.event.globalPosition;
    for (const listener of [...listeners]) listener(frames);
  };

  const follow = async (abort: AbortController, from: number): Promise<void> => {
    let after = from;
    for (let pause = 250; !abort.signal.aborted; pause = Math.min(pause * 2, 5_000)) {
      try {
        for await (const event of store.subscribe({ after, signal: abort.signal })) {
          after = event.globalPosition;
          pause = 250;
          pending.push(frameOf(event));
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

  const start = (): { readonly abort: AbortController; readonly started: Promise<number> } => {
    const abort = new AbortController();
    const started = store.headPosition().then((head) => {
      if (!abort.signal.aborted) {
        delivered = head;
        void follow(abort, head);
      }
      return head;
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
      return delivered;
    },
    release() {
      users--;
      if (users === 0 && run) {
        run.abort.abort();
        run = undefined;
        pending = [];
      }
    },
    position: () => delivered,
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
