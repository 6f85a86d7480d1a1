import type { ConfirmChannel, RecoveringChannelModel } from 'amqplib';
import {
  BrokerDeliveryError,
  consoleLogger,
  outboxEnvelope,
  trackTargetMetrics,
  type EnvelopeOptions,
  type Logger,
  type Publisher,
  type RelayTargetMetrics,
  type StoredOutboxMessage,
} from '@chronicle/core';
import { openConnection, type ReconnectOptions } from './connection.js';

/** Options of {@link createRabbitTarget}. */
export type RabbitTargetOptions = EnvelopeOptions & {
  /** `amqp://user:password@host:port/vhost`; add `?heartbeat=10` to notice dead peers sooner. */
  readonly url: string;
  /** The exchange messages are published to, declared durable at each (re)connect. */
  readonly exchange: string;
  /** Default `topic`. */
  readonly exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers';
  /** Routing key of a message; default `<topic>.<type>`, e.g. `subscriptions.SubscriptionStarted`. */
  readonly routingKey?: (message: StoredOutboxMessage) => string;
  /**
   * A message no queue is bound for: `'fail'` (default) makes the batch fail, so nothing is lost while the
   * consumer's queue is missing (the relay retries and its lag grows); `'drop'` lets the broker drop it.
   */
  readonly unroutable?: 'fail' | 'drop';
  /** How long a batch may wait for a channel and its confirms (default 30 s); then it fails and is retried. */
  readonly confirmTimeoutMs?: number;
  readonly reconnect?: ReconnectOptions;
  readonly logger?: Logger;
};

/** The target's metrics (core's {@link RelayTargetMetrics}). */
export type RabbitTargetMetrics = RelayTargetMetrics;

/** A relay target: pass `publish` to `createOutboxRelay`. */
export interface RabbitTarget {
  readonly publish: Publisher;
  metrics(): RabbitTargetMetrics;
  /** Closes the channel and the connection; a batch in flight fails. */
  close(): Promise<void>;
}

/**
 * Publishes outbox batches to RabbitMQ with publisher confirms. Messages are persistent; the AMQP message id is
 * the envelope's `<source>:<position>`, the AMQP type the message type, the correlation id the envelope's, and
 * every envelope header is an AMQP header. A batch resolves only when the broker confirmed all of its messages
 * (it has them on disk for durable queues); otherwise it throws {@link BrokerDeliveryError} and the relay repeats
 * it. All messages go through one channel in outbox order, so messages of one key (one stream) reach a queue in
 * order; a repeated batch repeats them in the same order after the first copies.
 *
 * The connection reconnects with backoff by itself; a broker that is down at start does not stop the caller.
 *
 * @example
 * const target = await createRabbitTarget({ url, exchange: 'public', source: 'subscriptions' });
 * const relay = createOutboxRelay({ host: store.projections, store, publish: target.publish });
 * relay.start();
 */
export async function createRabbitTarget(options: RabbitTargetOptions): Promise<RabbitTarget> {
  const logger = options.logger ?? consoleLogger;
  const routingKey = options.routingKey ?? ((m: StoredOutboxMessage) => `${m.topic}.${m.type}`);
  const timeoutMs = options.confirmTimeoutMs ?? 30_000;
  const failOnUnroutable = (options.unroutable ?? 'fail') === 'fail';
  const { model, counters } = await openConnection(options.url, options.reconnect, logger, options.exchange);
  const metrics = trackTargetMetrics();
  let channel: Promise<ConfirmChannel> | undefined;
  let returned = new Set<string>();
  let closed = false;

  function openChannel(connection: RecoveringChannelModel): Promise<ConfirmChannel> {
    const opening = (async () => {
      const ch = await connection.createConfirmChannel();
      const forget = () => {
        if (channel === opening) channel = undefined;
      };
      ch.on('close', forget);
      ch.on('error', forget);
      ch.on('return', (message) => {
        if (typeof message.properties.messageId === 'string') returned.add(message.properties.messageId);
      });
      await ch.assertExchange(options.exchange, options.exchangeType ?? 'topic', { durable: true });
      return ch;
    })();
    opening.catch(() => {
      if (channel === opening) channel = undefined;
    });
    return opening;
  }

  async function publishBatch(ch: ConfirmChannel, messages: readonly StoredOutboxMessage[]): Promise<void> {
    returned = new Set();
    const batchReturns = returned;
    for (const message of messages) {
      const envelope = outboxEnvelope(message, options);
      const body = Buffer.from(envelope.body.buffer, envelope.body.byteOffset, envelope.body.byteLength);
      const headers = envelope.headers;
      const ok = ch.publish(options.exchange, routingKey(message), body, {
        persistent: true,
        mandatory: failOnUnroutable,
        messageId: envelope.messageId,
        type: message.type,
        appId: options.source,
        contentType: 'application/json',
        timestamp: Math.floor(message.createdAt.getTime() / 1000),
        ...(headers['chronicle-correlation-id'] ? { correlationId: headers['chronicle-correlation-id'] } : {}),
        headers,
      });
      if (!ok) await drained(ch);
    }
    await ch.waitForConfirms();
    if (batchReturns.size > 0) {
      throw new BrokerDeliveryError(
        `${batchReturns.size} message(s) unroutable on exchange ${options.exchange} (no queue bound), e.g. ` +
          `${[...batchReturns][0]}`,
        messages.length,
      );
    }
  }

  const publish: Publisher = async (messages) => {
    if (messages.length === 0) return;
    if (closed) throw new BrokerDeliveryError('the RabbitMQ target is closed', messages.length);
    metrics.begin(messages);
    try {
      await withTimeout(
        (async () => {
          channel ??= openChannel(model);
          await publishBatch(await channel, messages);
        })(),
        timeoutMs,
        () => `no confirms from RabbitMQ within ${timeoutMs} ms`,
      );
    } catch (error) {
      metrics.failed(error);
      const message = error instanceof Error ? error.message : String(error);
      // A channel in an unknown state (timed out, nacked) is replaced, so the next attempt starts clean.
      const stale = channel;
      channel = undefined;
      void stale?.then((ch) => ch.close()).catch(() => undefined);
      if (error instanceof BrokerDeliveryError) throw error;
      throw new BrokerDeliveryError(`publishing to RabbitMQ failed: ${message}`, messages.length, { cause: error });
    }
    metrics.confirmed(messages);
  };

  return {
    publish,
    metrics: () => metrics.snapshot({ connected: counters.connected, reconnects: Math.max(0, counters.connects - 1) }),
    async close() {
      closed = true;
      const open = channel;
      channel = undefined;
      await open?.then((ch) => ch.close()).catch(() => undefined);
      await model.close();
    },
  };
}

function drained(ch: ConfirmChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      ch.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      ch.off('drain', onDrain);
      reject(new Error('channel closed while waiting for it to drain'));
    };
    ch.once('drain', onDrain);
    ch.once('close', onClose);
  });
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
