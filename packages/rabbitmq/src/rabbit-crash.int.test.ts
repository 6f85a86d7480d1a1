import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@chronicle/core';
import { consumeRabbit } from './index.js';
import { subscriptionEvents, tempStores, until } from './test-support/fixtures.js';
import { testVhost, type TestVhost } from './testing/index.js';
import { kill9, spawnTs } from './test-support/spawn.js';

const vhost = await testVhost('crash');
const relayChild = fileURLToPath(new URL('./test-support/relay-child.ts', import.meta.url));
const KILLS = 10;
const SUBSCRIPTIONS = 400;

describe.skipIf(!vhost)('RabbitMQ relay killed mid-publish', () => {
  const stores = tempStores('crash');
  const env = vhost as TestVhost;
  afterAll(async () => {
    await stores.remove();
    await env.dispose();
  });

  it(`relay SIGKILLed ${KILLS} times: every public event arrives, copies are skipped, one effect each`, async () => {
    const publisher = stores.open('publisher', [subscriptionEvents()]);
    const mailer = stores.open('mailer');
    const consumer = await consumeRabbit({
      url: env.url,
      queue: 'mailer',
      bindings: [{ exchange: 'public', pattern: 'subscriptions.#' }],
      host: mailer.projections,
      logger: silentLogger,
      // One "mail" per subscription; a second effect for one would make its count 2.
      async handle(message, tx) {
        const { subscription } = message.data as { subscription: string };
        const sent = (await tx.documents.get<{ count: number }>('mails', subscription)) ?? { count: 0 };
        await tx.documents.put('mails', subscription, { count: sent.count + 1 });
      },
    });
    // Domain writes go on the whole time, relay or not.
    let written = 0;
    const writing = (async () => {
      for (; written < SUBSCRIPTIONS; written++) {
        await publisher.append(`sub-${written}`, [{ type: 'Subscribed', data: { plan: 'pro' } }], 'no_stream');
        if (written % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const args = [`${stores.dir}/publisher.db`, env.url, 'crash'];
    for (let kill = 0; kill < KILLS; kill++) {
      const { child, ready } = spawnTs(relayChild, args);
      try {
        await ready;
        const before = consumer.metrics().handled + consumer.metrics().duplicates;
        const step = 5 + Math.floor(Math.random() * 25);
        await until(
          () =>
            consumer.metrics().handled + consumer.metrics().duplicates >= before + step ||
            consumer.metrics().handled >= SUBSCRIPTIONS,
          20_000,
          `progress before kill ${kill + 1}`,
        );
      } finally {
        await kill9(child);
      }
    }
    await writing;
    const { child, ready } = spawnTs(relayChild, args);
    try {
      await ready;
      await until(() => consumer.metrics().handled >= SUBSCRIPTIONS, 30_000, 'every subscription');
    } finally {
      await kill9(child);
    }
    const mails = await mailer.projections.documents.find<{ count: number }>('mails', { limit: 10_000 });
    expect(mails).toHaveLength(SUBSCRIPTIONS);
    expect(mails.filter((m) => m.document.count !== 1)).toEqual([]);
    const { handled, duplicates, rejected } = consumer.metrics();
    expect({ handled, rejected }).toEqual({ handled: SUBSCRIPTIONS, rejected: 0 });
    console.info(`[rabbit-crash] ${KILLS} kills, ${handled} handled, ${duplicates} duplicates skipped`);
    await consumer.close();
  });
});
