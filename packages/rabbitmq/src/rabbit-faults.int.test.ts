import { afterAll, describe, expect, it } from 'vitest';
import { createOutboxRelay, silentLogger } from '@chronicle/core';
import { freePort, startTcpProxy } from '@chronicle/core/testing';
import { consumeRabbit, createRabbitTarget } from './index.js';
import { subscriptionEvents, tempStores, until } from './test-support/fixtures.js';
import { rabbitHostPort, testVhost, type TestVhost } from './testing/index.js';

const vhost = await testVhost('faults');
const quick = { reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, logger: silentLogger };

describe.skipIf(!vhost)('RabbitMQ relay under broker faults', () => {
  const stores = tempStores('faults');
  const env = vhost as TestVhost;
  afterAll(async () => {
    await stores.remove();
    await env.dispose();
  });

  it('connections closed by the server: relay and consumer reconnect by themselves and nothing is lost', async () => {
    const publisher = stores.open('closed-publisher', [subscriptionEvents()]);
    const mailer = stores.open('closed-mailer');
    const consumer = await consumeRabbit({
      url: env.url,
      queue: 'closed-mailer',
      bindings: [{ exchange: 'public', pattern: 'subscriptions.#' }],
      host: mailer.projections,
      handle: (message, tx) => tx.documents.put('mails', message.messageId, message.data),
      ...quick,
    });
    const target = await createRabbitTarget({
      url: env.url,
      exchange: 'public',
      source: 'closed',
      confirmTimeoutMs: 2_000,
      ...quick,
    });
    const relay = createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: target.publish,
      batchSize: 10,
      logger: silentLogger,
    });
    relay.start();
    let n = 0;
    const write = async (count: number) => {
      for (let i = 0; i < count; i++)
        await publisher.append(`sub-${n++}`, [{ type: 'Subscribed', data: { n } }], 'no_stream');
    };
    await write(50);
    await until(() => consumer.metrics().handled === 50, 20_000, 'first 50');
    for (let round = 1; round <= 2; round++) {
      await env.closeConnections();
      await write(50);
      await until(() => consumer.metrics().handled === 50 * (round + 1), 30_000, `round ${round}`);
      expect(target.metrics().reconnects).toBeGreaterThanOrEqual(round);
      expect(consumer.metrics().reconnects).toBeGreaterThanOrEqual(round);
    }
    expect(await mailer.projections.documents.count('mails')).toBe(150);
    await relay.stop();
    await Promise.all([target.close(), consumer.close()]);
  });

  it('broker down at start: the relay retries, domain writes go on (the outbox grows), all arrives later', async () => {
    const port = await freePort();
    const publisher = stores.open('down-publisher', [subscriptionEvents()]);
    const target = await createRabbitTarget({
      url: env.urlAt(port),
      exchange: 'public',
      source: 'down',
      confirmTimeoutMs: 500,
      ...quick,
    });
    const relay = createOutboxRelay({
      host: publisher.projections,
      store: publisher,
      publish: target.publish,
      logger: silentLogger,
    });
    relay.start();
    for (let i = 0; i < 40; i++) await publisher.append(`sub-${i}`, [{ type: 'Subscribed', data: { i } }], 'no_stream');
    expect((await publisher.projections.readOutbox(0, 100)).length).toBe(40);
    await until(() => target.metrics().failures >= 2, 20_000, 'failed attempts');
    expect(target.metrics()).toMatchObject({ connected: false, confirmed: 0 });
    expect(target.metrics().lagMs).toBeGreaterThan(0);

    const mailer = stores.open('down-mailer');
    const consumer = await consumeRabbit({
      url: env.url,
      queue: 'down-mailer',
      bindings: [{ exchange: 'public', pattern: 'subscriptions.#' }],
      host: mailer.projections,
      handle: (message, tx) => tx.documents.put('mails', message.messageId, message.data),
      ...quick,
    });
    const proxy = await startTcpProxy(port, rabbitHostPort);
    try {
      await until(() => consumer.metrics().handled === 40, 30_000, 'delivery after the broker came up');
      // A batch confirmed after its attempt timed out is published again: the consumer drops the copies.
      await until(() => target.metrics().consecutiveFailures === 0, 30_000, 'a confirmed batch');
      expect(target.metrics()).toMatchObject({ connected: true, lagMs: 0 });
      expect(await mailer.projections.documents.count('mails')).toBe(40);
    } finally {
      await relay.stop();
      await Promise.all([target.close(), consumer.close()]);
      await proxy.close();
    }
  });
});
