import { expect } from 'vitest';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { startDownloads, type Reply, type RunningDownloads } from './app.js';

/** Opens a fresh store for one scenario. */
export type StoreFactory = () => Promise<EventStore & StoreWithProjections<unknown>>;

/** The instant the scenarios start at (sent as X-Chronicle-Now). */
export const T0 = '2026-01-10T12:00:00.000Z';
const DAY = 24 * 60 * 60 * 1000;
/** T0 plus `days` days, as ISO text. */
export const at = (days: number): string => new Date(Date.parse(T0) + days * DAY).toISOString();

let counter = 0;
/** An id no other scenario or run uses (PostgreSQL scenarios share a schema). */
export const unique = (label: string): string => `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;

export function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body.code).toBe(code);
}

/** Runs `run` against a Downloads server on a fresh store, then stops both. */
export async function withDownloads(createStore: StoreFactory, options: Parameters<typeof startDownloads>[1], run: (d: RunningDownloads) => Promise<void>): Promise<void> {
  const store = await createStore();
  const downloads = await startDownloads(store, options);
  try {
    await run(downloads);
  } finally {
    await downloads.stop();
    await store.close();
  }
}

/** Every event in the store's global log. */
export async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  for await (const _ of store.readAll()) count++;
  return count;
}
