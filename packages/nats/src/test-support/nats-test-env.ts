import { createNatsStore, type NatsEventStore } from '../nats-store.js';
import type { NatsStoreOptions } from '../options.js';
import { testNatsUrl } from '../testing/test-nats.js';
import { deleteStreams, uniqueLayout } from '../testing/test-layout.js';

export { deleteStreams, uniqueLayout };

/**
 * The NATS server for a test file: nats-server >= 2.12, found or started by
 * the run's global setup. Undefined (with a visible warning) when there is
 * none; under `CI=true` a missing server fails the test file instead.
 */
export async function testNats(what: string): Promise<string | undefined> {
  return testNatsUrl(what);
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
