import type { EventStore, RecordedEvent, SubscribeOptions } from '@chronicle/core';
import type { AppendHook } from '../append.js';
import type { PostgresStoreOptions } from '../options.js';
import { openPostgresStore } from '../postgres-store.js';

/** A store with internal append hooks (e.g. to hold a transaction open). */
export function storeWithHooks(options: PostgresStoreOptions, ...hooks: AppendHook[]): Promise<EventStore> {
  return openPostgresStore(options, { onAppend: hooks });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A running subscription that records what it receives. */
export type Recorder = {
  readonly received: RecordedEvent[];
  /** Resolves once `count` events of interest arrived, or rejects after `timeoutMs`. */
  readonly waitFor: (count: number, timeoutMs?: number) => Promise<void>;
  readonly stop: () => Promise<void>;
};

/** Subscribes and records the events whose stream passes `filter`. */
export function record(store: EventStore, options: SubscribeOptions, filter: (event: RecordedEvent) => boolean = () => true): Recorder {
  const controller = new AbortController();
  const received: RecordedEvent[] = [];
  let failure: unknown;
  const running = (async () => {
    try {
      for await (const event of store.subscribe({ ...options, signal: controller.signal })) if (filter(event)) received.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    received,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`subscription received ${received.length} of ${count} events in ${timeoutMs} ms`);
        await sleep(10);
      }
    },
    async stop() {
      controller.abort();
      await running;
      if (failure) throw failure;
    },
  };
}
