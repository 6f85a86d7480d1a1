import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** A fresh stream name and subject prefix, so concurrent test files and runs never share subjects. */
export function uniqueLayout(label: string): { readonly stream: string; readonly subjectPrefix: string } {
  const id = randomBytes(4).toString('hex');
  return { stream: `CHRONICLE_TEST_${label.toUpperCase()}_${id}`, subjectPrefix: `chronicle_test.${label}_${id}` };
}

/** Deletes a store's JetStream streams (the events stream, its `_AUX` and its projection host's KV bucket). */
export async function deleteStreams(servers: string | readonly string[], stream: string): Promise<void> {
  const nc = await connect({ servers: typeof servers === 'string' ? servers : [...servers] });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [stream, `${stream}_AUX`, `KV_${stream}_HOST`]) {
      await jsm.streams.delete(name).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}
