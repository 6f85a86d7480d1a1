import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay, silentLogger, type ReceivedMessage } from '@chronicle/core';
import { consumeRabbit, createRabbitTarget, type RabbitTarget } from './index.js';
import { subscriptionEvents, tempStores, until } from './test-support/fixtures.js';
import { testVhost, type TestVhost } from './testing/index.js';

const vhost = await testVhost('relay');

describe.skipIf(!vhost)('RabbitMQ relay target and consumer', () => {
  const stores = tempStores('relay');
  const env = vhost as TestVhost;
  const targets: RabbitTarget[] = [];
  const exchange = 'public';

  beforeAll(() => undefined);
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.close().catch(() => undefined)));
    await stores.remove();
    await env.dispose();
  });

  async function target(extra: Partial<Parameters<typeof createRabbitTarget>[0]> = {}): Promise<RabbitTarget> {
    const created = await createRabbitTarget({
      url: env.url,
      exchange,
      source: 'subs',
      logger: silentLogger,
      ...extra,
    });
    targets.push(created);
    return created;
  }

  it('delivers each public event once in effect, in order per stream, with id and headers', async () => {
    const publisher = stores.open('publisher', [subscriptionEvents()]);
    const mailer = stores.open('mailer');
    const seen: ReceivedMessage[] = [];
    const consumer = await consumeRabbit({
      url: env.url,
      queue: 'mailer',
      bindings: [{ exchange, pattern: 'subscriptions.#' }],
      host: mailer.projections,
      logger: silentLogger,
      async handle(message, tx) {
        seen.push(message);
        const data = message.data as { subscription: string; n: number };
        await tx.documents.put('mails', `${data.subscription}-${data.n}`, { to: data.subscription });
      },
    });
    const rabbit = await target();
    const relay = createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: rabbit.publish,
      batchSize: 7,
      logger: silentLogger,
    });
    const appended = [];
    for (let n = 0; n < 10; n++)
      for (const s of ['a', 'b', 'c'])
        appended.push(
          await publisher.append(
            `sub-${s}`,
            [{ type: 'Subscribed', data: { n }, metadata: { correlationId: 'c-1' } }],
            'any',
          ),
        );
    expect(await relay.drain()).toBe(30);
    // Repeating a batch (as a relay that crashed before its checkpoint does) changes nothing for the consumer.
    await rabbit.publish(await publisher.projections.readOutbox(0, 30));
    await until(() => consumer.metrics().handled + consumer.metrics().duplicates === 60, 20_000, 'all deliveries');
    expect(consumer.metrics()).toMatchObject({ handled: 30, duplicates: 30, rejected: 0 });
    expect(await mailer.projections.documents.count('mails')).toBe(30);
    for (const s of ['a', 'b', 'c']) {
      const order = seen.filter((m) => m.key === `sub-${s}`).map((m) => (m.data as { n: number }).n);
      expect(order).toEqual(Array.from({ length: 10 }, (_, n) => n));
    }
    const first = seen[0]!;
    const firstEvent = appended[0]!.events[0]!;
    expect(first).toMatchObject({
      messageId: 'subs:1',
      type: 'SubscriptionStarted',
      topic: 'subscriptions',
      key: 'sub-a',
      source: 'subs',
    });
    expect(first.causationId).toBe(firstEvent.eventId);
    expect(first.correlationId).toBe(firstEvent.eventId);
    expect(rabbit.metrics()).toMatchObject({ connected: true, confirmed: 60, failures: 0, lagMs: 0 });
    await consumer.close();
  });

  it('an unroutable message fails the batch; it is delivered once a queue is bound', async () => {
    const rabbit = await target({ exchange: 'nobody-listens' });
    const publisher = stores.open('unroutable', [subscriptionEvents()]);
    await publisher.append('sub-x', [{ type: 'Subscribed', data: { n: 1 } }], 'no_stream');
    const relay = createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: rabbit.publish,
      logger: silentLogger,
    });
    await expect(relay.drain()).rejects.toMatchObject({ code: 'BROKER_DELIVERY_FAILED' });
    expect(rabbit.metrics()).toMatchObject({ failures: 1, consecutiveFailures: 1 });
    expect(rabbit.metrics().lagMs).toBeGreaterThanOrEqual(0);
    const mailer = stores.open('late-mailer');
    const consumer = await consumeRabbit({
      url: env.url,
      queue: 'late',
      bindings: [{ exchange: 'nobody-listens', pattern: '#' }],
      host: mailer.projections,
      logger: silentLogger,
      handle: async (message, tx) => tx.documents.put('got', message.messageId, message.data),
    });
    expect(await relay.drain()).toBe(1);
    await until(() => consumer.metrics().handled === 1);
    expect(rabbit.metrics()).toMatchObject({ consecutiveFailures: 0, lagMs: 0 });
    await consumer.close();
  });

  it('a handler that throws rolls back its writes and the inbox record; the redelivery is handled', async () => {
    const rabbit = await target();
    const publisher = stores.open('failing', [subscriptionEvents()]);
    const consumerStore = stores.open('failing-consumer');
    let calls = 0;
    const consumer = await consumeRabbit({
      url: env.url,
      queue: 'flaky',
      bindings: [{ exchange, pattern: 'subscriptions.#' }],
      host: consumerStore.projections,
      logger: silentLogger,
      async handle(message, tx) {
        calls++;
        await tx.documents.put('effects', message.messageId, { calls });
        if (calls < 3) throw new Error('transient');
      },
    });
    await publisher.append('sub-f', [{ type: 'Subscribed', data: { n: 1 } }], 'no_stream');
    await createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: rabbit.publish,
      logger: silentLogger,
    }).drain();
    await until(() => consumer.metrics().handled === 1);
    expect(consumer.metrics()).toMatchObject({ handled: 1, failures: 2, rejected: 0 });
    expect(await consumerStore.projections.documents.find('effects')).toEqual([
      { id: 'subs:1', document: { calls: 3 } },
    ]);
    await consumer.close();
  });
});
