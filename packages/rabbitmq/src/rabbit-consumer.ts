import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import {
  consoleLogger,
  handleOnce,
  readEnvelope,
  retryDelay,
  sleep,
  type InboxConsumer,
  type InboxConsumerMetrics,
  type InboxConsumerOptions,
} from '@chronicle/core';
import { openConnection, type ReconnectOptions } from './connection.js';

/** A binding of the consumer's queue to an exchange. */
export type RabbitBinding = {
  readonly exchange: string;
  /** Routing-key pattern, e.g. `subscriptions.#`. */
  readonly pattern: string;
  /** Default `topic`; the exchange is declared durable. */
  readonly exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers';
};

/** Options of {@link consumeRabbit}. */
export type RabbitConsumerOptions<Native> = InboxConsumerOptions<Native> & {
  readonly url: string;
  /** A durable queue, declared at each (re)connect and bound as `bindings` say; the inbox's default name. */
  readonly queue: string;
  readonly bindings?: readonly RabbitBinding[];
  /** Unacknowledged messages the broker may send ahead (default 50); they are still handled one at a time. */
  readonly prefetch?: number;
  readonly reconnect?: ReconnectOptions;
};

/** Counts of a running RabbitMQ consumer: core's, plus the reconnections. */
export type RabbitConsumerMetrics = InboxConsumerMetrics & { readonly reconnects: number };

/** A running RabbitMQ consumer. */
export type RabbitConsumer = InboxConsumer<RabbitConsumerMetrics>;

/**
 * Consumes a RabbitMQ queue with manual acks, exactly once in effect: each message runs through
 * {@link handleOnce} (one transaction of `host` records the message id and holds the handler's writes) and is
 * acked only after that commit. A redelivery (a crash before the ack, a relay that repeated a batch) finds its id
 * in the inbox and is acked without calling the handler. Messages are handled one at a time in delivery order, so
 * one key's messages keep their order. The connection reconnects with backoff and consuming resumes by itself.
 */
export async function consumeRabbit<Native>(options: RabbitConsumerOptions<Native>): Promise<RabbitConsumer> {
  const logger = options.logger ?? consoleLogger;
  const inbox = options.inbox ?? options.queue;
  const maxAttempts = options.maxAttempts ?? 5;
  const counts = { handled: 0, duplicates: 0, failures: 0, rejected: 0 };
  let tail: Promise<void> = Promise.resolve();
  let closing = false;

  async function handleMessage(channel: Channel, delivery: ConsumeMessage): Promise<void> {
    const headers = stringHeaders(delivery.properties.headers);
    const message = readEnvelope(headers, delivery.content);
    if (!message) {
      counts.rejected++;
      logger.error({ queue: options.queue }, 'message without a Chronicle message id rejected');
      channel.nack(delivery, false, false);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await handleOnce(options.host, inbox, message, options.handle);
        counts[outcome === 'handled' ? 'handled' : 'duplicates']++;
        channel.ack(delivery);
        return;
      } catch (error) {
        counts.failures++;
        const err = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts || closing) {
          logger.error({ queue: options.queue, messageId: message.messageId, attempt, err }, 'message not handled');
          if (!closing) counts.rejected++;
          // On close the message goes back to the queue; after maxAttempts it is rejected (dead-lettered).
          channel.nack(delivery, false, closing);
          return;
        }
        await sleep(retryDelay({ initialDelayMs: 50, maxDelayMs: 2_000 }, attempt));
      }
    }
  }

  async function setup(connection: ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertQueue(options.queue, { durable: true });
    for (const binding of options.bindings ?? []) {
      await channel.assertExchange(binding.exchange, binding.exchangeType ?? 'topic', { durable: true });
      await channel.bindQueue(options.queue, binding.exchange, binding.pattern);
    }
    await channel.prefetch(options.prefetch ?? 50);
    await channel.consume(
      options.queue,
      (delivery) => {
        if (!delivery || closing) return;
        tail = tail.then(() => handleMessage(channel, delivery)).catch(() => undefined);
      },
      { noAck: false },
    );
  }

  const { model, counters } = await openConnection(options.url, options.reconnect, logger, options.queue, setup);
  await model.waitForConnect();

  return {
    metrics: () => ({
      ...counts,
      connected: counters.connected,
      reconnects: Math.max(0, counters.connects - 1),
    }),
    async close() {
      closing = true;
      await tail;
      await model.close();
    },
  };
}

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') result[name] = value;
    else if (Buffer.isBuffer(value)) result[name] = value.toString('utf8');
    else if (typeof value === 'number' || typeof value === 'boolean') result[name] = String(value);
  }
  return result;
}
