import { randomUUID } from 'node:crypto';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRulesChangeEverywhere, expectTakeoverAfterSigkill } from './test-support/field-checks.js';
import { haproxyAvailable, startHaproxy } from './test-support/haproxy.js';
import { call, startInstance, startInstances, type Instance } from './test-support/instances.js';
import { pgAvailable, useThrowawayDatabase } from './test-support/pg.js';
import { describeTally, emptyTally, expectExact, raceRound, raceRules } from './test-support/races.js';

const available = await pgAvailable();
const balancer = available && haproxyAvailable();
/** Rounds of every race (the closing figures need at least 20). */
const ROUNDS = Number(process.env.DOWNLOADS_FIELD_ROUNDS ?? 20);

describe.skipIf(!available)('in the field on PostgreSQL: 3 instances (child processes) on one database, real clocks', () => {
  // A throwaway database: the instances use the default schema, as `npm start` does.
  const database = useThrowawayDatabase('field');
  const pgUrl = (): string => database.url;
  let instances: Instance[] = [];
  let store: EventStore & StoreWithProjections<unknown>;
  beforeAll(async () => {
    instances = await startInstances(3, { pgUrl: pgUrl() });
    store = (await createPostgresStore({ connectionString: pgUrl(), applicationName: 'downloads-field-test', maxConnections: 2 })) as never;
    expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await store?.close();
  });

  it(`every race grants exactly its limit, ${ROUNDS} rounds, requests spread over the 3 instances`, async () => {
    const tally = emptyTally();
    const run = randomUUID().slice(0, 6);
    for (let round = 0; round < ROUNDS; round++) await raceRound(instances.map((i) => i.url), `pg-${run}-r${round}`, tally);
    console.log(describeTally('PostgreSQL, 3 instances:', tally));
    expectExact(tally);
  }, 300_000);

  it('a rules change through instance 1 governs instances 2 and 3 within 1 s', async () => {
    const slowest = await expectRulesChangeEverywhere(instances.map((i) => i.url), `pg-rules-${randomUUID().slice(0, 6)}`);
    console.log(`PostgreSQL: rules change applied by instances 2 and 3 after ${slowest} ms`);
  }, 60_000);

  it.skipIf(!balancer)('behind HAProxy (docs/deploy/haproxy.cfg): spreads over all 3, races stay exact, an instance SIGKILLed under load loses no keyed acquisition and grants none twice', async () => {
    const lb = await startHaproxy(instances.map((i) => i.address) as [string, string, string]);
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add((await call(lb.url, 'GET', '/health/live')).body.instance);
      expect(seen.size).toBe(3);
      const tally = emptyTally();
      const run = randomUUID().slice(0, 6);
      for (let round = 0; round < 3; round++) await raceRound([lb.url], `lb-${run}-r${round}`, tally);
      expectExact(tally);
      // One instance dies while acquisitions flow through the balancer. A request it was serving is
      // lost with it (the balancer cannot know whether it was granted): the client retries it with
      // its Idempotency-Key, as the guide says, and gets one license either way.
      let loading = true;
      const customers: string[] = [];
      let retried = 0;
      const load = Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          for (let n = 0; loading; n++) {
            const customerId = `lb-${run}-w${worker}-${n}`;
            customers.push(customerId);
            const body = { customerId, deviceId: 'tv', titleId: 'hit', studioId: 's' };
            for (let attempt = 1; ; attempt++) {
              const answer = await call(lb.url, 'POST', '/v1/licenses', body, { 'idempotency-key': `${customerId}-k` }).catch(() => undefined);
              if (answer?.status === 201) break;
              expect(attempt, JSON.stringify(answer?.body)).toBeLessThan(5);
              retried++;
            }
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const victim = instances[2]!;
      await victim.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      loading = false;
      await load;
      expect(customers.length).toBeGreaterThan(20);
      console.log(`HAProxy: ${customers.length} keyed acquisitions while an instance was SIGKILLed, ${retried} retried by the client`);
      for (const customerId of customers) {
        expect((await call(lb.url, 'GET', `/v1/customers/${customerId}/downloads`)).body.activeLicenses, customerId).toHaveLength(1);
      }
      // Back on its port, the balancer's health checks bring it back.
      instances[2] = await startInstance('i3', { pgUrl: pgUrl() }, { PORT: victim.address.split(':')[1]! });
      const restarted = (await call(instances[2].url, 'GET', '/health/live')).body.instance;
      const back = Date.now();
      while ((await call(lb.url, 'GET', '/health/live')).body.instance !== restarted) {
        expect(Date.now() - back, 'the restarted instance back in the balancer').toBeLessThan(10_000);
      }
    } finally {
      await lb.stop();
    }
  }, 120_000);

  it('SIGKILL of the lease holder under load: another instance takes over within 3 s, the read model equals a full replay', async () => {
    const takeoverMs = await expectTakeoverAfterSigkill(instances, store, `pg-kill-${randomUUID().slice(0, 6)}`);
    console.log(`PostgreSQL: projection lease taken over ${takeoverMs} ms after SIGKILL of its holder`);
    expect(takeoverMs).toBeLessThanOrEqual(3_000);
  }, 120_000);
});

describe.skipIf(!available)('clock skew on PostgreSQL: 3 instances whose clocks read −2 s, 0 and +2 s', () => {
  const database = useThrowawayDatabase('skew');
  let instances: Instance[] = [];
  beforeAll(async () => {
    const offsets = [-2_000, 0, 2_000];
    instances = await startInstances(3, { pgUrl: database.url }, (i) => ({
      DOWNLOADS_ALLOW_CLOCK_OVERRIDE: '1',
      DOWNLOADS_CLOCK_OFFSET_MS: String(offsets[i]),
    }));
    expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
  });

  it('no race grants more than its limit (nor fewer) when the deciding clocks disagree by up to 4 s', async () => {
    const tally = emptyTally();
    const run = randomUUID().slice(0, 6);
    for (let round = 0; round < Math.max(5, Math.ceil(ROUNDS / 2)); round++) await raceRound(instances.map((i) => i.url), `skew-${run}-r${round}`, tally);
    console.log(describeTally('PostgreSQL, clocks -2 s/0/+2 s:', tally));
    expectExact(tally);
  }, 300_000);
});
