import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicEvents, type Projection } from '@chronicle/core';
import { createSqliteStore, type SqliteDatabase, type SqliteEventStore } from '@chronicle/sqlite';

/** The public events of the tests: each `Subscribed` domain event becomes one `SubscriptionStarted`. */
export function subscriptionEvents(): Projection<SqliteDatabase> {
  return publicEvents({
    name: 'public-subscriptions',
    topic: 'subscriptions',
    eventTypes: ['Subscribed'],
    map: (event) => ({
      type: 'SubscriptionStarted',
      data: { subscription: event.streamId, ...(event.data as object) },
    }),
  }) as Projection<SqliteDatabase>;
}

/** A temporary directory of SQLite stores, removed by `remove()`. */
export function tempStores(label: string): {
  readonly dir: string;
  open(name: string, projections?: readonly Projection<SqliteDatabase>[]): SqliteEventStore;
  remove(): Promise<void>;
} {
  const dir = mkdtempSync(join(tmpdir(), `chronicle-rabbitmq-${label}-`));
  const opened: SqliteEventStore[] = [];
  return {
    dir,
    open(name, projections = []) {
      const store = createSqliteStore({ path: join(dir, `${name}.db`), projections, pollIntervalMs: 20 });
      opened.push(store);
      return store;
    },
    async remove() {
      await Promise.all(opened.map((store) => store.close().catch(() => undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true (the real clock; no fixed sleeps in assertions). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
