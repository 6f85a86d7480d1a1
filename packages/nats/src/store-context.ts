import { StoreClosedError, type SubscriptionStarts } from '@chronicle/core';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HeadCache } from './head-cache.js';
import type { JetStreamIo } from './jetstream-io.js';
import type { Layout } from './subjects.js';

/** Everything the store's operations share. */
export type StoreContext = {
  readonly storeName: string;
  readonly layout: Layout;
  /** Version of the server the store connected to first. */
  readonly serverVersion: string;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly io: JetStreamIo;
  readonly heads: HeadCache;
  /** Aborted by `close()`. */
  readonly closed: AbortSignal;
  readonly clock: () => Date;
  /** Largest commit or chunk body, in bytes. */
  readonly maxBodyBytes: number;
  readonly maxEventBytes: number;
  /** Claim generated event ids too, not only supplied ones. */
  readonly claimAllEventIds: boolean;
  readonly retryForMs: number;
  /** Appends carrying `metadata.requestId` write a request record in their batch (nats-server 2.12+). */
  readonly recordRequests: boolean;
  /** Appends wait on it while a subscription's 'end' start is being read. */
  readonly starts: SubscriptionStarts;
};

/** Throws `STORE_CLOSED` after `close()`. */
export function assertOpen(context: StoreContext): void {
  if (context.closed.aborted) throw new StoreClosedError(context.storeName);
}
