import type { Logger } from './logger.js';
import type { ProjectionHost, ProjectionTx } from './host.js';
import type { ReceivedMessage } from './outbox-envelope.js';

/** The documents collection where an inbox records the ids of the messages it handled. */
export function inboxCollection(inbox: string): string {
  return `inbox:${inbox}`;
}

/** Handles one received message inside a transaction of the consumer's own store. */
export type InboxHandler<Native = unknown, Data = unknown> = (
  message: ReceivedMessage<Data>,
  tx: ProjectionTx<Native>,
) => Promise<void>;

/** What every broker consumer built on {@link handleOnce} takes, beside how it reaches its broker. */
export type InboxConsumerOptions<Native> = {
  /** The consumer's own store: its handler writes there, and the inbox of handled message ids lives there. */
  readonly host: ProjectionHost<Native>;
  /** Names the inbox (default: the queue or durable consumer). Consumers sharing an inbox share their deduplication. */
  readonly inbox?: string;
  readonly handle: InboxHandler<Native>;
  /** Deliveries of one message before it is given up on (default 5); failures before that are redelivered. */
  readonly maxAttempts?: number;
  readonly logger?: Logger;
};

/** Counts of a broker consumer that hands messages to {@link handleOnce}. */
export type InboxConsumerMetrics = {
  /** Messages whose handler committed. */
  readonly handled: number;
  /** Redeliveries skipped because their id was already in the inbox. */
  readonly duplicates: number;
  /** Handler or transaction failures (each attempt). */
  readonly failures: number;
  /** Messages given up on after their attempts, or without a Chronicle message id. */
  readonly rejected: number;
};

/** A running broker consumer (RabbitMQ, JetStream). */
export interface InboxConsumer<Metrics extends InboxConsumerMetrics = InboxConsumerMetrics> {
  metrics(): Metrics;
  /** Stops consuming; the message being handled finishes (and is acked) first. */
  close(): Promise<void>;
}

/**
 * Runs `handler` for `message` at most once in effect: in one transaction of `host` it records the message id in
 * the inbox and runs the handler, whose document and outbox writes commit together with that record. A message
 * whose id is already recorded is a redelivery: the handler is not called and `'duplicate'` is returned. When the
 * handler throws, nothing is recorded and the error propagates (the broker should redeliver).
 *
 * Acknowledge the message to the broker only after this resolves: a crash before the ack means a redelivery,
 * which this skips. The guarantee covers effects made through `tx`; a side effect outside the transaction (an
 * HTTP call, a file) must be idempotent by the message id itself.
 */
export async function handleOnce<Native, Data>(
  host: ProjectionHost<Native>,
  inbox: string,
  message: ReceivedMessage<Data>,
  handler: InboxHandler<Native, Data>,
): Promise<'handled' | 'duplicate'> {
  return host.transaction(async (tx) => {
    const first = await tx.documents.create(inboxCollection(inbox), message.messageId, {
      type: message.type,
      receivedAt: new Date().toISOString(),
    });
    if (!first) return 'duplicate';
    await handler(message, tx);
    return 'handled';
  });
}
