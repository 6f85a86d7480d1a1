/**
 * The subscription service's outbox relay as a process (a sidecar of the service): delivers the public events
 * written by `subscriptionPublicEvents` in the service's SQLite file to RabbitMQ. Settings from the environment:
 * SUBSCRIPTIONS_DB (./subscriptions.db), AMQP_URL, EXCHANGE (subscriptions-public). Prints `ready`.
 */
import { createOutboxRelay } from '@chronicle/core';
import { createRabbitTarget } from '@chronicle/rabbitmq';
import { createSqliteStore } from '@chronicle/sqlite';
import { subscriptionPublicEvents } from './public-events.js';

const store = createSqliteStore({
  path: process.env.SUBSCRIPTIONS_DB ?? 'subscriptions.db',
  projections: [subscriptionPublicEvents()],
  pollIntervalMs: 20,
});
const target = await createRabbitTarget({
  url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F',
  exchange: process.env.EXCHANGE ?? 'subscriptions-public',
  source: 'subscriptions',
});
const relay = createOutboxRelay({ host: store.projections, store, publish: target.publish, batchSize: 10 });
relay.start();
process.stdout.write('ready\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void relay
      .stop()
      .then(() => target.close())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
