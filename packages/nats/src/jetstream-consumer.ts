import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  consoleLogger,
  handleOnce,
  readEnvelope,
  type InboxConsumer,
  type InboxConsumerMetrics,
  type InboxConsumerOptions,
} from '@chronicle/core';

/** Options of {@link consumeJetStream}. */
export type JetStreamConsumerOptions<Native> = InboxConsumerOptions<Native> & {
  readonly servers?: string | readonly string[];
  /** An open connection instead of `servers`, left open by `close()`. */
  readonly connection?: NatsConnection;
  /** The JetStream stream holding the public events. */
  readonly stream: string;
  /** Durable consumer name, created (explicit acks) when missing; the inbox's default name. */
  readonly durable: string;
  readonly filterSubjects?: readonly string[];
};

/** Counts of a running JetStream consumer. */
export type JetStreamConsumerMetrics = InboxConsumerMetrics;

/** A running JetStream consumer. */
export type JetStreamConsumer = InboxConsumer<JetStreamConsumerMetrics>;

/**
 * Consumes a durable JetStream consumer with explicit acks, exactly once in effect: each message runs through
 * core's `handleOnce` (the message id recorded in the same transaction of `host` as the handler's writes), and is
 * acked after the commit. A redelivery finds its id and is acked without calling the handler. Messages are
 * handled one at a time, in stream order. A failed message is redelivered (nak with a delay) up to `maxAttempts`
 * deliveries, then terminated and logged.
 */
export async function consumeJetStream<Native>(options: JetStreamConsumerOptions<Native>): Promise<JetStreamConsumer> {
  const logger = options.logger ?? consoleLogger;
  const inbox = options.inbox ?? options.durable;
  const maxAttempts = options.maxAttempts ?? 5;
  const owned = options.connection === undefined;
  const nc =
    options.connection ??
    (await connect({
      servers: typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? [])],
      name: `chronicle-consumer-${options.durable}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    }));
  const jsm = await jetstreamManager(nc);
  const existing = await jsm.consumers.info(options.stream, options.durable).catch(() => undefined);
  if (!existing) {
    await jsm.consumers.add(options.stream, {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // One subject as `filter_subject`, which servers before 2.10 also understand.
      ...(options.filterSubjects?.length === 1 ? { filter_subject: options.filterSubjects[0] } : {}),
      ...((options.filterSubjects?.length ?? 0) > 1 ? { filter_subjects: [...options.filterSubjects!] } : {}),
    });
  }
  const consumer = await jetstream(nc).consumers.get(options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: 100 });
  const counts = { handled: 0, duplicates: 0, failures: 0, rejected: 0 };

  async function handle(msg: JsMsg): Promise<void> {
    const h: Record<string, string> = {};
    for (const name of msg.headers?.keys() ?? []) h[name] = msg.headers!.get(name);
    const message = readEnvelope(h, msg.data);
    if (!message) {
      counts.rejected++;
      logger.error({ stream: options.stream, seq: msg.seq }, 'message without a Chronicle message id terminated');
      msg.term('no chronicle-message-id');
      return;
    }
    let outcome: 'handled' | 'duplicate';
    try {
      outcome = await handleOnce(options.host, inbox, message, options.handle);
    } catch (error) {
      counts.failures++;
      const err = error instanceof Error ? error.message : String(error);
      if (msg.info.deliveryCount >= maxAttempts) {
        counts.rejected++;
        logger.error({ stream: options.stream, messageId: message.messageId, err }, 'message not handled; terminated');
        msg.term(err.slice(0, 200));
      } else {
        msg.nak(Math.min(2_000, 50 * 2 ** msg.info.deliveryCount));
      }
      return;
    }
    counts[outcome === 'handled' ? 'handled' : 'duplicates']++;
    // A lost ack means a redelivery, which the inbox skips.
    await msg.ackAck().catch(() => false);
  }

  const loop = (async () => {
    for await (const msg of messages) await handle(msg);
  })();

  return {
    metrics: () => ({ ...counts }),
    async close() {
      await messages.close();
      await loop;
      if (owned) await nc.close();
    },
  };
}
