import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNatsStore, type NatsEventStore } from '../nats-store.js';
import type { NatsStoreOptions } from '../options.js';
import { testNatsUrl } from '../testing/test-nats.js';

/**
 * The NATS server for a test file: nats-server >= 2.12, found or started by
 * the run's global setup. Undefined (with a visible warning) when there is
 * none; under `CI=true` a missing server fails the test file instead.
 */
export async function testNats(what: string): Promise<string | undefined> {
  return testNatsUrl(what);
}

/** A fresh stream name and subject prefix, so concurrent test files and runs never share subjects. */
export function uniqueLayout(label: string): { readonly stream: string; readonly subjectPrefix: string } {
  const id = randomBytes(4).toString('hex');
  return { stream: `CHRONICLE_TEST_${label.toUpperCase()}_${id}`, subjectPrefix: `chronicle_test.${label}_${id}` };
}

/** Deletes a store's JetStream streams (the events stream, its `_AUX` and its projection host's KV bucket). */
export async function deleteStreams(servers: string | string[], stream: string): Promise<void> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [stream, `${stream}_AUX`, `KV_${stream}_HOST`]) {
      await jsm.streams.delete(name).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}

/** Stores on the test NATS server for one test file, sharing a fresh layout; deleted after the file. */
export type TestStores = {
  readonly url: string;
  readonly layout: { readonly stream: string; readonly subjectPrefix: string };
  open(options?: Omit<NatsStoreOptions, 'servers' | 'stream' | 'subjectPrefix'>): Promise<NatsEventStore>;
  /** Closes every opened store and deletes the streams. */
  dispose(): Promise<void>;
};

/** Opens stores on a fresh layout of the NATS server at `url`. */
export function testStores(url: string, label: string): TestStores {
  const layout = uniqueLayout(label);
  const opened: NatsEventStore[] = [];
  return {
    url,
    layout,
    async open(options = {}) {
      const store = await createNatsStore({ ...options, servers: url, ...layout });
      opened.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(opened.map((s) => s.close()));
      await deleteStreams(url, layout.stream);
    },
  };
}
