import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresEventStore } from './postgres-store.js';
import { PG_URL, adminQuery, dropSchema, pgAvailable, testSchema } from './test/pg-test-support.js';

const available = await pgAvailable();

const WRITERS = 8;
const SUBSCRIBERS = 20;
const POOL = 4;

/**
 * Subscriptions must not hold a small pool (issue 19: with 4 connections, 8
 * writers and 5 subscribers appends took 90 times as long). The 80% goal for
 * appends next to no subscribers is measured by `npm run bench -- postgres`;
 * here a floor that only starvation breaks, and the exact delivery.
 */
describe.skipIf(!available)(`a pool of ${POOL}: ${WRITERS} writers and ${SUBSCRIBERS} subscribers`, () => {
  const schema = testSchema('starve');
  const applicationName = `chronicle-starve-${randomUUID().slice(0, 8)}`;
  let store: PostgresEventStore;

  beforeAll(async () => {
    store = await createPostgresStore({ connectionString: PG_URL, schema, applicationName, maxConnections: POOL });
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  /** Appends `perWriter` events from each writer, with `subscribers` subscriptions from the round's start; returns appends/s. */
  async function round(subscribers: number, perWriter: number): Promise<number> {
    const run = randomUUID().slice(0, 8);
    const mine = (e: RecordedEvent): boolean => e.streamId.startsWith(run);
    const head = await store.headPosition();
    const controller = new AbortController();
    const received: RecordedEvent[][] = Array.from({ length: subscribers }, () => []);
    const following = received.map(async (events) => {
      for await (const event of store.subscribe({ after: head, signal: controller.signal })) {
        if (mine(event)) events.push(event);
        if (events.length === WRITERS * perWriter) return;
      }
    });
    const started = performance.now();
    const acknowledged = (
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          const positions: number[] = [];
          for (let i = 0; i < perWriter; i++) positions.push((await store.append(`${run}-${w}`, [{ type: 'Counted', data: { w, i } }], i)).globalPosition);
          return positions;
        }),
      )
    ).flat();
    const elapsed = performance.now() - started;
    try {
      await Promise.all(following);
    } finally {
      controller.abort();
    }
    const expected = [...acknowledged].sort((a, b) => a - b);
    for (const events of received) expect(events.map((e) => e.globalPosition)).toEqual(expected);
    return (WRITERS * perWriter * 1000) / elapsed;
  }

  it('every subscriber gets every event in order, once; the reads never hold more than their share of the pool', async () => {
    const sampling = { running: true, samples: 0, maxReads: 0, maxConnections: 0 };
    const sampler = (async () => {
      while (sampling.running) {
        const { rows } = await adminQuery(
          `select count(*) filter (where state = 'active' and query like '%with page as%') as reads, count(*) as connections
             from pg_stat_activity where application_name = $1`,
          [applicationName],
        );
        sampling.maxReads = Math.max(sampling.maxReads, Number(rows[0].reads));
        sampling.maxConnections = Math.max(sampling.maxConnections, Number(rows[0].connections));
        sampling.samples++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await round(SUBSCRIBERS, 100);
    } finally {
      sampling.running = false;
      await sampler;
    }
    // One LISTEN connection, appends' connections, and (pool 4, 2 append slots) one read at a time.
    expect(sampling.samples).toBeGreaterThan(0);
    expect(sampling.maxConnections).toBeLessThanOrEqual(POOL);
    expect(sampling.maxReads).toBeLessThanOrEqual(1);
  }, 60_000);

  it('appends keep going: with 20 subscribers, at least a quarter of their rate without (median of 3 interleaved pairs)', async () => {
    const ratios: number[] = [];
    for (let pair = 0; pair < 3; pair++) {
      // Alternate which side goes first, so that load from elsewhere hits both alike.
      if (pair % 2 === 0) {
        const without = await round(0, 50);
        ratios.push((await round(SUBSCRIBERS, 50)) / without);
      } else {
        const withSubscribers = await round(SUBSCRIBERS, 50);
        ratios.push(withSubscribers / (await round(0, 50)));
      }
    }
    ratios.sort((a, b) => a - b);
    console.log(`pool of ${POOL}: appends with ${SUBSCRIBERS} subscribers at ${ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')} of without`);
    expect(ratios[1]).toBeGreaterThan(0.25);
  }, 120_000);
});
