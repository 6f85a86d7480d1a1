import { filterPredicate, type EventStore, type GlobalLogFilter } from '@chronicle/core';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerMetrics } from '../metrics.js';
import { HttpProblem } from '../problem.js';
import { createLiveFeed, frameOf, type Frame } from './live-feed.js';
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
    const matches = filterPredicate(subscription.filter) ?? (() => true);
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
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    // `retry`: how long a browser's EventSource waits before reconnecting.
    connection.send(Buffer.from(': connected\nretry: 1000\n\n'));

    let position = start;
    try {
      // Catch up from the store as fast as the client reads, until the feed's position.
      while (!connection.closed && position < feed.position()) {
        // Delivered by the feed, so committed and readable: a short page has read every event up to it.
        const reached = feed.position();
        let read = 0;
        for await (const event of store.readAll({ after: position, limit: CATCH_UP_PAGE, ...filter })) {
          position = event.globalPosition;
          read++;
          if (!connection.send(frameOf(event).bytes)) return;
          if (connection.paused && !(await connection.writable())) return;
        }
        // Filtered, the store skips the events that do not match: the page's end says nothing of them.
        if (read < CATCH_UP_PAGE) position = Math.max(position, reached);
      }
      if (connection.closed) return;
      // Same turn as the last position check: the feed delivers everything after `position`, nothing twice.
      stopListening = feed.listen((frames: readonly Frame[]) => {
        const chunks: Buffer[] = [];
        for (const frame of frames) {
          if (frame.event.globalPosition <= position) continue;
          position = frame.event.globalPosition;
          if (matches(frame.event)) chunks.push(frame.bytes);
        }
        if (chunks.length > 0) connection.send(...chunks);
      });
    } catch (error) {
      onStoreError(error);
      if (connection.closed) return;
      request.log.warn({ err: error }, 'subscription failed');
      const code = (error as { code?: unknown }).code;
      connection.send(Buffer.from(`event: error\ndata: ${JSON.stringify({ code: typeof code === 'string' ? code : 'INTERNAL_ERROR', detail: (error as Error).message })}\n\n`));
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
