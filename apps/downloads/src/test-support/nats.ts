import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createNatsStore, type NatsStoreOptions } from '@chronicle/nats';
import { deleteStreams, testNatsUrl, uniqueLayout } from '@chronicle/nats/testing';

/**
 * The NATS server (>= 2.12) the run's global setup found or started; undefined
 * with a warning when there is none, and a failure under `CI=true`.
 */
export const natsUrl = (what: string): string | undefined => testNatsUrl(`@chronicle/downloads: ${what}`);

/** Stores on fresh JetStream streams of one server; `dispose` deletes every stream they made. */
export type NatsStores = {
  open(
    options?: Omit<NatsStoreOptions, 'servers' | 'stream' | 'subjectPrefix'>,
  ): Promise<EventStore & StoreWithProjections<unknown>>;
  dispose(): Promise<void>;
};

/** A fresh layout for every `open()` (a fresh store per scenario), all deleted by `dispose()`. */
export function natsStores(servers: string | readonly string[], label: string): NatsStores {
  const streams: string[] = [];
  return {
    async open(options = {}) {
      const layout = uniqueLayout(label);
      streams.push(layout.stream);
      const store = await createNatsStore({
        ...options,
        servers: typeof servers === 'string' ? servers : [...servers],
        ...layout,
      });
      return store as EventStore & StoreWithProjections<unknown>;
    },
    async dispose() {
      for (const stream of streams) await deleteStreams(servers, stream);
    },
  };
}
