import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNatsStore, type NatsEventStore } from '../nats-store.js';
import { natsUrlFromEnv, type NatsStoreOptions } from '../options.js';

/** True when something accepts TCP connections at the NATS URL's host and port. */
export function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url.replace(/^nats:/, 'http:'));
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || 4222), hostname, () => done(true));
  });
}

/**
 * The machine's NATS URL, or undefined (with a visible warning) when nothing
 * listens there. Under `CI=true` a missing server fails the test file instead.
 */
export async function machineNats(what: string): Promise<string | undefined> {
  const url = natsUrlFromEnv();
  if (await reachable(url)) return url;
  const message = `NATS is not reachable at ${url} (set CHRONICLE_NATS_URL): ${what} skipped`;
  if (process.env.CI === 'true') throw new Error(`${message.replace(' skipped', '')}; CI=true requires it`);
  console.warn(`\n⚠ ${message}\n`);
  return undefined;
}

/** A fresh stream name and subject prefix, so concurrent test files and runs never share subjects. */
export function uniqueLayout(label: string): { readonly stream: string; readonly subjectPrefix: string } {
  const id = randomBytes(4).toString('hex');
  return { stream: `CHRONICLE_TEST_${label.toUpperCase()}_${id}`, subjectPrefix: `chronicle_test.${label}_${id}` };
}

/** Deletes a store's JetStream streams (the events stream and its `_AUX`). */
export async function deleteStreams(servers: string | string[], stream: string): Promise<void> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [stream, `${stream}_AUX`]) await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Stores on the machine's NATS for one test file, sharing a fresh layout; deleted after the file. */
export type MachineStores = {
  readonly url: string;
  readonly layout: { readonly stream: string; readonly subjectPrefix: string };
  open(options?: Omit<NatsStoreOptions, 'servers' | 'stream' | 'subjectPrefix'>): Promise<NatsEventStore>;
  /** Closes every opened store and deletes the streams. */
  dispose(): Promise<void>;
};

/** Opens stores on a fresh layout of the machine's NATS at `url`. */
export function machineStores(url: string, label: string): MachineStores {
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
