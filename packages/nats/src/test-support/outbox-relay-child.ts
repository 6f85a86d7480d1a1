/**
 * Child process of the JetStream SIGKILL test: runs an outbox relay from a NATS store's projection host to a
 * JetStream stream until killed. Arguments: servers, events stream, subject prefix, public subject prefix, source.
 */
import { createOutboxRelay, silentLogger } from '@chronicle/core';
import { createJetStreamTarget } from '../jetstream-target.js';
import { createNatsStore } from '../nats-store.js';

const [servers, stream, subjectPrefix, publicPrefix, source] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const store = await createNatsStore({ servers, stream, subjectPrefix });
const target = await createJetStreamTarget({ servers, source, subject: (m) => `${publicPrefix}.${m.topic}.${m.type}` });
const host = store.projections!;
const relay = createOutboxRelay({ host, store, publish: target.publish, batchSize: 10, logger: silentLogger });
relay.start();
process.stdout.write('ready\n');
