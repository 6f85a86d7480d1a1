import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  createInMemoryStore,
  createOutboxRelay,
  createProjectionRunner,
  outboxEnvelope,
  publicEvents,
  silentLogger,
  type ReceivedMessage,
} from '@chronicle/core';
import { freePort, startTcpProxy } from '@chronicle/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeJetStream } from './jetstream-consumer.js';
import { createJetStreamTarget, type JetStreamTarget } from './jetstream-target.js';
import { testNats, testStores, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('JetStream relay target and consumer');
const publicSubscriptions = (topic: string) =>
  publicEvents({
    name: `public-${topic}`,
    topic,
    eventTypes: ['Subscribed'],
    map: (event) => ({ type: 'SubscriptionStarted', data: { subscription: event.streamId } }),
  });
const subscriptions = publicSubscriptions('subscriptions');

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!url)('JetStream relay target and consumer', () => {
  const id = randomBytes(4).toString('hex');
  const publicStream = `CHRONICLE_TEST_PUBLIC_${id}`;
  const prefix = `chronicle_test_public_${id}`;
  const subject = (m: { topic: string; type: string }) => `${prefix}.${m.topic}.${m.type}`;
  let nc: NatsConnection;
  let stores: TestStores;
  const targets: JetStreamTarget[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: url! });
    await (await jetstreamManager(nc)).streams.add({ name: publicStream, subjects: [`${prefix}.>`] });
    stores = testStores(url!, 'outbox');
  });
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.close()));
    await (await jetstreamManager(nc)).streams.delete(publicStream).catch(() => false);
    await nc.close();
    await stores.dispose();
  });

  async function target(source: string): Promise<JetStreamTarget> {
    const created = await createJetStreamTarget({ servers: url!, source, subject });
    targets.push(created);
    return created;
  }

  it('delivers each public event once in effect, in order per stream, with Nats-Msg-Id and headers', async () => {
    const publisher = createInMemoryStore({ projections: [subscriptions] });
    const consumerStore = await stores.open();
    const seen: ReceivedMessage[] = [];
    const consumer = await consumeJetStream({
      servers: url!,
      stream: publicStream,
      durable: 'mailer',
      filterSubjects: [`${prefix}.subscriptions.>`],
      host: consumerStore.projections!,
      logger: silentLogger,
      async handle(message, tx) {
        seen.push(message);
        const { subscription } = message.data as { subscription: string };
        const sent = (await tx.documents.get<{ count: number }>('mails', subscription)) ?? { count: 0 };
        await tx.documents.put('mails', subscription, { count: sent.count + 1 });
      },
    });
    const js = await target('subs');
    const relay = createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: js.publish,
      batchSize: 7,
    });
    for (let n = 0; n < 10; n++)
      for (const s of ['a', 'b', 'c'])
        await publisher.append(`sub-${s}-${n}`, [{ type: 'Subscribed', data: {} }], 'any');
    expect(await relay.drain()).toBe(30);
    // A repeated batch within the duplicate window is dropped by the server (Nats-Msg-Id)...
    const outbox = await publisher.projections.readOutbox(0, 30);
    await js.publish(outbox);
    expect(js.metrics()).toMatchObject({ confirmed: 60, duplicates: 30, failures: 0, lagMs: 0 });
    // ...and a copy that got past it (another Nats-Msg-Id, as after the window) by the consumer's inbox.
    const copy = outboxEnvelope(outbox[0]!, { source: 'subs' });
    const h = headers();
    for (const [name, value] of Object.entries(copy.headers)) h.set(name, value);
    await jetstream(nc).publish(subject(outbox[0]!), copy.body, { headers: h });
    await until(() => consumer.metrics().handled === 30 && consumer.metrics().duplicates === 1, 20_000, 'deliveries');
    const mails = await consumerStore.projections!.documents.find<{ count: number }>('mails', { limit: 100 });
    expect(mails).toHaveLength(30);
    expect(mails.every((m) => m.document.count === 1)).toBe(true);
    expect(seen.map((m) => m.messageId)).toEqual(outbox.map((m) => `subs:${m.position}`));
    expect(seen[0]).toMatchObject({
      type: 'SubscriptionStarted',
      key: 'sub-a-0',
      causationId: outbox[0]!.sourceEventId,
    });
    await consumer.close();
  });

  it('an uncaptured subject fails the batch; a failing handler is redelivered, its writes rolled back', async () => {
    const publisher = createInMemoryStore({ projections: [subscriptions] });
    const lost = await createJetStreamTarget({ servers: url!, source: 'lost', subject: () => `nowhere_${id}.x` });
    targets.push(lost);
    await publisher.append('sub-x', [{ type: 'Subscribed', data: {} }], 'no_stream');
    const relay = createOutboxRelay({ host: publisher.projections, store: publisher, publish: lost.publish });
    await expect(relay.drain()).rejects.toMatchObject({ code: 'BROKER_DELIVERY_FAILED' });
    expect(lost.metrics()).toMatchObject({ failures: 1, consecutiveFailures: 1 });

    const consumerStore = await stores.open();
    let calls = 0;
    const consumer = await consumeJetStream({
      servers: url!,
      stream: publicStream,
      durable: 'flaky',
      filterSubjects: [`${prefix}.flaky.>`],
      host: consumerStore.projections!,
      logger: silentLogger,
      async handle(message, tx) {
        calls++;
        await tx.documents.put('effects', message.messageId, { calls });
        if (calls < 3) throw new Error('transient');
      },
    });
    const js = await target('flaky');
    await js.publish([{ position: 1, topic: 'flaky', type: 'T', data: 1, createdAt: new Date() }]);
    await until(() => consumer.metrics().handled === 1, 20_000, 'the third delivery');
    expect(consumer.metrics()).toMatchObject({ handled: 1, failures: 2, rejected: 0 });
    expect(await consumerStore.projections!.documents.find('effects')).toEqual([
      { id: 'flaky:1', document: { calls: 3 } },
    ]);
    await consumer.close();
  });

  it('a server down at start: the relay retries, appends go on, and all arrives once one is there', async () => {
    const publisher = createInMemoryStore({ projections: [publicSubscriptions('late')] });
    const port = await freePort();
    // Nothing listens at `port` now.
    const late = await createJetStreamTarget({
      servers: `nats://127.0.0.1:${port}`,
      source: 'late',
      subject,
      ackTimeoutMs: 300,
    });
    targets.push(late);
    const relay = createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: late.publish,
      logger: silentLogger,
    });
    relay.start();
    for (let i = 0; i < 20; i++) await publisher.append(`late-${i}`, [{ type: 'Subscribed', data: {} }], 'no_stream');
    await until(() => late.metrics().failures >= 2, 20_000, 'failed attempts');
    expect(late.metrics()).toMatchObject({ connected: false, confirmed: 0 });
    expect(late.metrics().lagMs).toBeGreaterThan(0);
    const consumerStore = await stores.open();
    const consumer = await consumeJetStream({
      connection: nc,
      stream: publicStream,
      durable: 'late',
      filterSubjects: [`${prefix}.late.>`],
      host: consumerStore.projections!,
      logger: silentLogger,
      handle: async (message, tx) => tx.documents.put('late', message.messageId, message.data),
    });
    const { hostname, port: natsPort } = new URL(url!.replace(/^nats:/, 'http:'));
    const proxy = await startTcpProxy(port, `${hostname}:${natsPort}`);
    try {
      await until(() => consumer.metrics().handled === 20, 30_000, 'delivery once a server is there');
      await until(() => late.metrics().consecutiveFailures === 0, 30_000, 'a confirmed batch');
      expect(late.metrics()).toMatchObject({ connected: true, lagMs: 0 });
    } finally {
      await relay.stop();
      await consumer.close();
      await late.close();
      await proxy.close();
    }
  });

  it('relay SIGKILLed 10 times mid-publish: every public event arrives, one effect each', async () => {
    const publisher = await stores.open();
    const translate = createProjectionRunner({
      store: publisher,
      host: publisher.projections!,
      projection: publicSubscriptions('crash'),
      logger: silentLogger,
    });
    translate.start();
    const consumerStore = await stores.open();
    const consumer = await consumeJetStream({
      servers: url!,
      stream: publicStream,
      durable: 'crash-mailer',
      filterSubjects: [`${prefix}.crash.>`],
      host: consumerStore.projections!,
      logger: silentLogger,
      async handle(message, tx) {
        const { subscription } = message.data as { subscription: string };
        const sent = (await tx.documents.get<{ count: number }>('crash-mails', subscription)) ?? { count: 0 };
        await tx.documents.put('crash-mails', subscription, { count: sent.count + 1 });
      },
    });
    const total = 200;
    const writing = (async () => {
      for (let i = 0; i < total; i++)
        await publisher.append(`crash-${i}`, [{ type: 'Subscribed', data: {} }], 'no_stream');
    })();
    const { stream, subjectPrefix } = stores.layout;
    const args = [url!, stream, subjectPrefix, prefix, 'crash'];
    const progress = () => consumer.metrics().handled + consumer.metrics().duplicates;
    for (let kill = 0; kill < 10; kill++) {
      const child = await startRelay(args);
      try {
        const target = progress() + 3 + Math.floor(Math.random() * 10);
        await until(() => progress() >= target || progress() >= total, 30_000, `kill ${kill}`);
      } finally {
        await kill9(child);
      }
    }
    await writing;
    const child = await startRelay(args);
    try {
      await until(() => consumer.metrics().handled >= total, 60_000, 'every subscription');
    } finally {
      await kill9(child);
      await translate.stop();
    }
    const mails = await consumerStore.projections!.documents.find<{ count: number }>('crash-mails', { limit: 1_000 });
    expect(mails).toHaveLength(total);
    expect(mails.filter((m) => m.document.count !== 1)).toEqual([]);
    expect(consumer.metrics()).toMatchObject({ handled: total, rejected: 0 });
    console.info(
      `[jetstream-crash] 10 kills, ${total} handled, ${consumer.metrics().duplicates} copies skipped by the inbox`,
    );
    await consumer.close();
  });
});

const child = fileURLToPath(new URL('./test-support/outbox-relay-child.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

async function startRelay(args: readonly string[]): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', tsx, child, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve());
    proc.on('exit', (code, signal) => reject(new Error(`relay exited (${code ?? signal}) before ready: ${stderr}`)));
  });
  return proc;
}

async function kill9(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await exited;
}
