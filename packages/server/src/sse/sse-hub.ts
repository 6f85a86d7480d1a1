import { filterPredicate, type EventStore, type GlobalLogFilter, type RecordedEvent } from '@chronicle/core';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerMetrics } from '../metrics.js';
import { HttpProblem } from '../problem.js';
import { createCatchUpSlots } from './catch-up-slots.js';
import { createLiveFeed, messageOf, slicesFor, type Batch } from './live-feed.js';
import { SseConnection, type DisconnectReason } from './sse-connection.js';
import type { ResolvedSseOptions } from './sse-options.js';

/** Where a subscription starts and what it delivers. */
export type SubscriptionRequest = {
  /** Deliver events after this global position, or only new ones (`'end'`). */
  readonly after: number | 'end';
  /** Which events to send (all when absent): applied by the store while catching up, by the hub to live frames. */
  readonly filter?: GlobalLogFilter;
};

/** Live subscriptions of one server. */
export type SseHub = {
  /** Open connections (what `chronicle_sse_subscribers` shows). */
  readonly size: number;
  /** Serves one subscription on a hijacked reply until it ends. */
  serve(request: FastifyRequest, reply: FastifyReply, subscription: SubscriptionRequest): Promise<void>;
  /** Ends every connection (they reconnect elsewhere or later) and stops the feed. */
  close(): void;
};

const CATCH_UP_PAGE = 100;
/** Store reads for catching-up clients at a time. */
const CATCH_UP_READS = 4;

/**
 * Bounded Server-Sent Events for `GET /v1/subscribe`: at most
 * `maxSubscribers` connections (then 503 with `Retry-After`); each catches up
 * from the store a page at a time, as fast as its client reads, then follows
 * the one shared {@link createLiveFeed} feed with a bounded buffer
 * ({@link SseConnection}). Every ending, however it comes, releases the slot,
 * the gauge and the feed at once.
 */
export function createSseHub(
  store: EventStore,
  options: ResolvedSseOptions,
  metrics: ServerMetrics,
  logger: FastifyBaseLogger,
  onStoreError: (error: unknown) => void = () => undefined,
): SseHub {
  const feed = createLiveFeed(store, logger, onStoreError);
  const catchUpSlots = createCatchUpSlots(CATCH_UP_READS);
  const connections = new Set<SseConnection>();
  // Slots are taken before the first await, so concurrent requests cannot pass the limit together.
  let slots = 0;
  let closing = false;
  feed.onEnd(() => {
    for (const connection of connections) connection.end('store-closed');
  });

  async function serve(request: FastifyRequest, reply: FastifyReply, subscription: SubscriptionRequest): Promise<void> {
    if (closing) throw new HttpProblem(503, 'SHUTTING_DOWN', 'the server is shutting down');
    if (slots >= options.maxSubscribers) {
      metrics.sseRejected.inc();
      reply.header('retry-after', String(options.retryAfterSeconds));
      throw new HttpProblem(503, 'TOO_MANY_SUBSCRIBERS', `the server serves at most ${options.maxSubscribers} subscriptions; retry in ${options.retryAfterSeconds} s`, {
        limit: options.maxSubscribers,
      });
    }
    slots++;
    let start: number;
    try {
      await feed.acquire();
    } catch (error) {
      slots--;
      throw error;
    }
    try {
      // 'end' is the head as the request arrives (the feed may not have delivered the newest commits yet).
      start = subscription.after === 'end' ? await store.headPosition() : subscription.after;
    } catch (error) {
      slots--;
      feed.release();
      throw error;
    }
    if (closing) {
      slots--;
      feed.release();
      throw new HttpProblem(503, 'SHUTTING_DOWN', 'the server is shutting down');
    }
    const matches = filterPredicate(subscription.filter);
    const filter = subscription.filter ? { filter: subscription.filter } : {};
    let stopListening = (): void => undefined;
    reply.hijack();
    const response = reply.raw;
    const connection = new SseConnection(response, options, (reason: DisconnectReason) => {
      connections.delete(connection);
      slots--;
      stopListening();
      feed.release();
      metrics.subscribers.dec();
      metrics.sseDisconnects.inc({ reason });
    });
    connections.add(connection);
    metrics.subscribers.inc();
    // The stream ends with the connection, so it needs no chunked framing: each write goes to the socket as is.
    response.useChunkedEncodingByDefault = false;
    response.shouldKeepAlive = false;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'close',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    // `retry`: how long a browser's EventSource waits before reconnecting.
    connection.send([Buffer.from(': connected\nretry: 1000\n\n')]);

    let position = start;
    try {
      // Catch up to the feed's position as fast as the client reads: from the feed's newest batches when it
      // still holds them (shared buffers), else from the store a page at a time, taking turns with other clients.
      while (!connection.closed && position < feed.position()) {
        const recent = feed.recentAfter(position);
        if (recent) {
          for (const batch of recent) {
            const slices = slicesFor([batch], position, matches);
            position = Math.max(position, batch.last);
            if (!connection.send(slices)) return;
            if (connection.paused && !(await connection.writable())) return;
          }
          continue;
        }
        // Delivered by the feed, so committed and readable: a short page has read every event up to it.
        const reached = feed.position();
        const page = await catchUpSlots.run(async () => {
          const events: RecordedEvent[] = [];
          for await (const event of store.readAll({ after: position, limit: CATCH_UP_PAGE, ...filter })) events.push(event);
          return events;
        });
        if (page.length > 0) {
          position = page[page.length - 1]!.globalPosition;
          if (!connection.send([Buffer.from(page.map(messageOf).join(''))])) return;
        }
        // Filtered, the store skips the events that do not match: the page's end says nothing of them.
        if (page.length < CATCH_UP_PAGE) position = Math.max(position, reached);
        if (connection.paused && !(await connection.writable())) return;
      }
      if (connection.closed) return;
      // Same turn as the last position check: the feed delivers everything after `position`, nothing twice.
      stopListening = feed.listen((batches: readonly Batch[]) => {
        const slices = slicesFor(batches, position, matches);
        position = Math.max(position, batches[batches.length - 1]!.last);
        connection.send(slices);
      });
    } catch (error) {
      onStoreError(error);
      if (connection.closed) return;
      request.log.warn({ err: error }, 'subscription failed');
      const code = (error as { code?: unknown }).code;
      connection.send([Buffer.from(`event: error\ndata: ${JSON.stringify({ code: typeof code === 'string' ? code : 'INTERNAL_ERROR', detail: (error as Error).message })}\n\n`)]);
      connection.end('error');
    }
  }

  return {
    get size() {
      return connections.size;
    },
    serve,
    close() {
      closing = true;
      for (const connection of connections) connection.end('shutdown');
      feed.close();
    },
  };
}
