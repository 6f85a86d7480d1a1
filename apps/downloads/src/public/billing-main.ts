/**
 * `npm run example:billing`: the billing counter as its own process, on its own SQLite file (BILLING_DB,
 * default ./billing.db), consuming Downloads' public events from JetStream (see nats-public.ts). Prints `ready`,
 * then each studio's counts every few seconds when they changed.
 */
import { createSqliteStore } from '@chronicle/sqlite';
import { connect } from '@nats-io/transport-node';
import { startBillingCounter, type StudioBill } from './billing-counter.js';
import { ensurePublicStream, publicSettings } from './nats-public.js';

const store = createSqliteStore({ path: process.env.BILLING_DB ?? 'billing.db' });
const nc = await connect({ servers: publicSettings.servers, maxReconnectAttempts: -1, waitOnFirstConnect: true });
await ensurePublicStream(nc);
const billing = await startBillingCounter({
  connection: nc,
  stream: publicSettings.stream,
  subjectPrefix: publicSettings.subjectPrefix,
  host: store.projections,
});
process.stdout.write('ready\n');
let last = '';
const report = setInterval(() => {
  void store.projections.documents.find<StudioBill>('billing-studios').then((bills) => {
    const line = bills
      .map(({ document: b }) => `${b.studioId}: ${b.granted} granted, ${b.released} released`)
      .join('; ');
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
  });
}, 2_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(report);
    void billing
      .close()
      .then(() => nc.close())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
