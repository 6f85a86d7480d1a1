/**
 * Public events to real brokers (issue 25): the outbox relay with its RabbitMQ and JetStream targets next to a raw
 * client publishing the same messages with the same guarantees, in interleaved rounds of one run, and the latency
 * from an append to the consumer's handler.
 *
 * "Raw" for RabbitMQ is amqplib on a confirm channel: the same persistent messages (body, headers, properties)
 * to the same exchange and queue, `waitForConfirms` per batch of the relay's size. For JetStream it is the client's
 * `js.publish` with a `Nats-Msg-Id` and the same headers, pipelined per batch. Chronicle's side also reads the
 * outbox from SQLite and advances the relay's checkpoint per batch. RabbitMQ runs in a vhost of the bench's own
 * (`rabbitmqctl add_vhost`), NATS is the machine's (`CHRONICLE_NATS_URL`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import {
  createOutboxRelay,
  outboxEnvelope,
  publicEvents,
  silentLogger,
  type Projection,
  type Publisher,
  type StoredOutboxMessage,
} from '@chronicle/core';
import { consumeJetStream, createJetStreamTarget, natsUrlFromEnv } from '@chronicle/nats';
import { consumeRabbit, createRabbitTarget } from '@chronicle/rabbitmq';
import { testVhost, type TestVhost } from '@chronicle/rabbitmq/testing';
import { createSqliteStore, type SqliteDatabase, type SqliteEventStore } from '@chronicle/sqlite';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { interleaved, seconds, throughput } from './interleaved.js';
import type { Measurement, Scenario, Suite } from './scenario.js';

const MESSAGES = 5_000;
const BATCH = 500;
const ROUNDS = 4;
const LATENCY_EVENTS = 300;

type Env = {
  dir: string;
  vhost?: TestVhost;
  nc: NatsConnection;
  stream: string;
  prefix: string;
  /** A store whose outbox holds MESSAGES public events. */
  store: SqliteEventStore;
  outbox: StoredOutboxMessage[];
};
let env: Env | undefined;
/** Connections a scenario keeps open across its rounds, closed by the suite's teardown. */
const closers: (() => Promise<void>)[] = [];
const current = (): Env =>
  env ??
  (() => {
    throw new Error('brokers suite not set up');
  })();

const publicOrders = publicEvents({
  name: 'public-orders',
  topic: 'orders',
  map: (e) => ({ type: 'OrderPlaced', data: { order: e.streamId, ...(e.data as object) } }),
}) as Projection<SqliteDatabase>;

async function fill(store: SqliteEventStore, count: number): Promise<void> {
  for (let i = 0; i < count; i += 100) {
    await store.appendMulti(
      Array.from({ length: Math.min(100, count - i) }, (_, k) => ({
        streamId: `order-${i + k}`,
        events: [{ type: 'Placed', data: { total: 42, note: 'a typical small public event' } }],
        expectedVersion: 'no_stream' as const,
      })),
    );
  }
}

/** Chronicle's side of a throughput round: a fresh relay (own checkpoint) drains the whole outbox. */
async function relayRound(publish: Publisher, round: number): Promise<number> {
  const { store } = current();
  const relay = createOutboxRelay({
    host: store.projections,
    store,
    publish,
    name: `bench-${round}-${randomBytes(3).toString('hex')}`,
    batchSize: BATCH,
    logger: silentLogger,
  });
  return seconds(async () => {
    if ((await relay.drain()) !== MESSAGES) throw new Error('relay did not deliver every message');
  });
}

function rabbitThroughput(): Scenario {
  let target: Awaited<ReturnType<typeof createRabbitTarget>> | undefined;
  let raw: { model: amqp.ChannelModel; channel: amqp.ConfirmChannel } | undefined;
  return interleaved(
    {
      name: `RabbitMQ relay, ${MESSAGES} msgs, confirms, batches of ${BATCH} (raw: amqplib confirm channel)`,
      goal: '>= 70% of raw',
      goalRatio: 0.7,
    },
    ROUNDS,
    async (side, round) => {
      const { vhost, outbox } = current();
      if (!vhost) return Number.NaN;
      if (!target) {
        target = await createRabbitTarget({ url: vhost.url, exchange: 'bench', source: 'bench', logger: silentLogger });
        const model = await amqp.connect(vhost.url);
        const channel = await model.createConfirmChannel();
        await channel.assertExchange('bench', 'topic', { durable: true });
        await channel.assertQueue('bench', { durable: true });
        await channel.bindQueue('bench', 'bench', '#');
        raw = { model, channel };
        const opened = target;
        closers.push(
          () => opened.close(),
          () => model.close(),
        );
      }
      await raw!.channel.purgeQueue('bench');
      if (side === 'chronicle') return relayRound(target.publish, round);
      const ch = raw!.channel;
      return seconds(async () => {
        for (let i = 0; i < outbox.length; i += BATCH) {
          for (const message of outbox.slice(i, i + BATCH)) {
            const envelope = outboxEnvelope(message, { source: 'raw' });
            const ok = ch.publish('bench', `${message.topic}.${message.type}`, Buffer.from(envelope.body), {
              persistent: true,
              mandatory: true,
              messageId: envelope.messageId,
              type: message.type,
              contentType: 'application/json',
              headers: envelope.headers,
            });
            if (!ok) await new Promise((resolve) => ch.once('drain', resolve));
          }
          await ch.waitForConfirms();
        }
      });
    },
    throughput(MESSAGES * ROUNDS),
  );
}

function jetStreamThroughput(): Scenario {
  let publish: Publisher | undefined;
  return interleaved(
    {
      name: `JetStream relay, ${MESSAGES} msgs, acks, batches of ${BATCH} (raw: js.publish with Nats-Msg-Id)`,
      goal: '>= 70% of raw',
      goalRatio: 0.7,
    },
    ROUNDS,
    async (side, round) => {
      const { nc, prefix, outbox } = current();
      const source = `bench-${side}-${round}-${randomBytes(3).toString('hex')}`;
      if (side === 'chronicle') {
        publish = (
          await createJetStreamTarget({ connection: nc, source, subject: (m) => `${prefix}.${m.topic}.${m.type}` })
        ).publish;
        return relayRound(publish, round);
      }
      const js = jetstream(nc);
      return seconds(async () => {
        for (let i = 0; i < outbox.length; i += BATCH) {
          await Promise.all(
            outbox.slice(i, i + BATCH).map((message) => {
              const envelope = outboxEnvelope(message, { source });
              const h = headers();
              for (const [name, value] of Object.entries(envelope.headers)) h.set(name, value);
              return js.publish(`${prefix}.${message.topic}.${message.type}`, envelope.body, {
                msgID: envelope.messageId,
                headers: h,
              });
            }),
          );
        }
      });
    },
    throughput(MESSAGES * ROUNDS),
  );
}

/** LATENCY_EVENTS appends, one every 5 ms, with a running relay and consumer: handler time − append time. */
async function latency(broker: 'rabbitmq' | 'jetstream'): Promise<Measurement> {
  const { dir, vhost, nc, stream, prefix } = current();
  if (broker === 'rabbitmq' && !vhost) return { value: Number.NaN, unit: 'ms', note: 'no RabbitMQ' };
  const tag = `${broker}-${randomBytes(3).toString('hex')}`;
  const publisher = createSqliteStore({
    path: join(dir, `${tag}-pub.db`),
    projections: [publicOrders],
    pollIntervalMs: 5,
  });
  const consumerStore = createSqliteStore({ path: join(dir, `${tag}-sub.db`) });
  const delays: number[] = [];
  const handle = async (message: { data: unknown }) => {
    delays.push(performance.timeOrigin + performance.now() - (message.data as { t: number }).t);
  };
  let publish: Publisher;
  let stopAll: () => Promise<void>;
  if (broker === 'rabbitmq') {
    const target = await createRabbitTarget({
      url: vhost!.url,
      exchange: 'latency',
      source: tag,
      logger: silentLogger,
    });
    const consumer = await consumeRabbit({
      url: vhost!.url,
      queue: tag,
      bindings: [{ exchange: 'latency', pattern: '#' }],
      host: consumerStore.projections,
      handle,
      logger: silentLogger,
    });
    publish = target.publish;
    stopAll = async () => void (await Promise.all([target.close(), consumer.close()]));
  } else {
    const target = await createJetStreamTarget({
      connection: nc,
      source: tag,
      subject: (m) => `${prefix}.${tag}.${m.type}`,
    });
    const consumer = await consumeJetStream({
      connection: nc,
      stream,
      durable: tag,
      filterSubjects: [`${prefix}.${tag}.>`],
      host: consumerStore.projections,
      handle,
      logger: silentLogger,
    });
    publish = target.publish;
    stopAll = async () => void (await Promise.all([target.close(), consumer.close()]));
  }
  const relay = createOutboxRelay({ host: publisher.projections, store: publisher, publish, logger: silentLogger });
  relay.start();
  try {
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      await publisher.append(
        `order-${i}`,
        [{ type: 'Placed', data: { t: performance.timeOrigin + performance.now() } }],
        'no_stream',
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const deadline = Date.now() + 30_000;
    while (delays.length < LATENCY_EVENTS && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await relay.stop();
    await stopAll();
    await publisher.close();
    await consumerStore.close();
  }
  const sorted = [...delays].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    value: at(0.5),
    unit: 'ms p50',
    lowerIsBetter: true,
    note: `p99 ${at(0.99).toFixed(1)} ms, ${sorted.length} events`,
  };
}

const suite: Suite = {
  name: 'brokers',
  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'chronicle-bench-brokers-'));
    const vhost = await testVhost('bench');
    const nc = await connect({ servers: natsUrlFromEnv() });
    const id = randomBytes(4).toString('hex');
    const stream = `CHRONICLE_BENCH_PUBLIC_${id}`;
    const prefix = `chronicle_bench_public_${id}`;
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${prefix}.>`] });
    const store = createSqliteStore({ path: join(dir, 'outbox.db'), projections: [publicOrders] });
    await fill(store, MESSAGES);
    const outbox = await store.projections.readOutbox(0, MESSAGES);
    env = { dir, ...(vhost ? { vhost } : {}), nc, stream, prefix, store, outbox };
    return async () => {
      for (const close of closers.splice(0)) await close().catch(() => undefined);
      await store.close();
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
      await nc.close();
      await vhost?.dispose();
      rmSync(dir, { recursive: true, force: true });
      env = undefined;
    };
  },
  scenarios: [
    rabbitThroughput(),
    jetStreamThroughput(),
    {
      name: 'append → RabbitMQ consumer handler (relay, confirms, consumer transaction)',
      chronicle: () => latency('rabbitmq'),
    },
    {
      name: 'append → JetStream consumer handler (relay, acks, consumer transaction)',
      chronicle: () => latency('jetstream'),
    },
  ],
};

export default suite;
