import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  BrokerDeliveryError,
  outboxEnvelope,
  trackTargetMetrics,
  type EnvelopeOptions,
  type Publisher,
  type RelayTargetMetrics,
  type StoredOutboxMessage,
} from '@chronicle/core';

/** Options of {@link createJetStreamTarget}. */
export type JetStreamTargetOptions = EnvelopeOptions & {
  /** Servers to connect to (the target reconnects for ever, and waits for a first server), or... */
  readonly servers?: string | readonly string[];
  /** ...an open connection, left open by `close()`. */
  readonly connection?: NatsConnection;
  /** Subject of a message; default `<topic>.<type>`. A stream must capture it, or the batch fails. */
  readonly subject?: (message: StoredOutboxMessage) => string;
  /** How long a batch may wait for its acks (default 10 s); then it fails and is retried. */
  readonly ackTimeoutMs?: number;
};

/** A relay target: pass `publish` to `createOutboxRelay`. */
export interface JetStreamTarget {
  readonly publish: Publisher;
  metrics(): RelayTargetMetrics & { readonly duplicates: number };
  close(): Promise<void>;
}

/**
 * Publishes outbox batches to JetStream: every message with `Nats-Msg-Id` = the envelope's `<source>:<position>`
 * (the stream drops a copy within its `duplicate_window`) and core's envelope headers. The batch's publishes are
 * pipelined on one connection, in outbox order, and it resolves when JetStream acknowledged each (stored, or a
 * duplicate); otherwise it throws {@link BrokerDeliveryError} and the relay repeats it. Copies older than the
 * duplicate window reach consumers, which drop them by message id (`consumeJetStream`).
 */
export async function createJetStreamTarget(options: JetStreamTargetOptions): Promise<JetStreamTarget> {
  const subject = options.subject ?? ((m: StoredOutboxMessage) => `${m.topic}.${m.type}`);
  const timeout = options.ackTimeoutMs ?? 10_000;
  const owned = options.connection === undefined;
  const state = { connected: false, reconnects: 0, duplicates: 0 };
  let nc: NatsConnection | undefined = options.connection;
  // A server that is down at start must not hold up the service: the connection is made in the background and a
  // batch waits for it at most `ackTimeoutMs` (then fails, and the relay retries).
  const connecting: Promise<NatsConnection> = options.connection
    ? Promise.resolve(options.connection)
    : connect({
        servers: typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? [])],
        name: `chronicle-relay-${options.source}`,
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
  connecting.catch(() => undefined);
  let js: JetStreamClient | undefined;
  const ready = connecting.then((connection) => {
    nc = connection;
    state.connected = !connection.isClosed();
    js = jetstream(connection, { timeout });
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') state.connected = false;
        if (status.type === 'reconnect') {
          state.connected = true;
          state.reconnects++;
        }
      }
    })();
    return js;
  });
  ready.catch(() => undefined);
  const metrics = trackTargetMetrics();

  const publish: Publisher = async (messages) => {
    if (messages.length === 0) return;
    metrics.begin(messages);
    try {
      const client = js ?? (await withTimeout(ready, timeout, 'no NATS server reachable'));
      const acks = messages.map((message) => {
        const envelope = outboxEnvelope(message, options);
        const h = headers();
        for (const [name, value] of Object.entries(envelope.headers)) h.set(name, value);
        return client.publish(subject(message), envelope.body, { msgID: envelope.messageId, headers: h, timeout });
      });
      // Every publish is awaited (none left unhandled), then the first failure, if any, fails the batch.
      const results = await Promise.allSettled(acks);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
      for (const r of results) if (r.status === 'fulfilled' && r.value.duplicate) state.duplicates++;
    } catch (error) {
      metrics.failed(error);
      const text = error instanceof Error ? error.message : String(error);
      throw new BrokerDeliveryError(`publishing to JetStream failed: ${text}`, messages.length, { cause: error });
    }
    metrics.confirmed(messages);
  };

  return {
    publish,
    metrics: () => ({ ...metrics.snapshot(state), duplicates: state.duplicates }),
    async close() {
      if (!owned) return;
      if (nc) await nc.close();
      else void connecting.then((connection) => connection.close()).catch(() => undefined);
    },
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
