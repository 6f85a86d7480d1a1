/**
 * `npm run example:mail`: the mail service as its own process. Settings from the environment:
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/%2F), EXCHANGE (subscriptions-public),
 * MAIL_DIR (./mails), MAIL_DB (./mail-service.db). Prints `ready` once it consumes.
 */
import { createSqliteStore } from '@chronicle/sqlite';
import { startMailService } from './mail-service.js';

const store = createSqliteStore({ path: process.env.MAIL_DB ?? 'mail-service.db' });
const service = await startMailService({
  amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F',
  exchange: process.env.EXCHANGE ?? 'subscriptions-public',
  host: store.projections,
  mailDir: process.env.MAIL_DIR ?? 'mails',
});
process.stdout.write('ready\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void service
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
