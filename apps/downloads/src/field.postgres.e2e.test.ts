import { randomUUID } from 'node:crypto';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRulesChangeEverywhere, expectTakeoverAfterSigkill } from './test-support/field-checks.js';
import { call, startInstances, type Instance } from './test-support/instances.js';
import { adminQuery, pgAvailable, urlForDatabase } from './test-support/pg.js';
import { describeTally, emptyTally, expectExact, raceRound, raceRules } from './test-support/races.js';

const available = await pgAvailable();
/** Rounds of every race (the closing figures need at least 20). */
const ROUNDS = Number(process.env.DOWNLOADS_FIELD_ROUNDS ?? 20);

describe.skipIf(!available)('in the field on PostgreSQL: 3 instances (child processes) on one database, real clocks', () => {
  // A throwaway database: the instances use the default schema, as `npm start` does.
  const database = `chronicle_field_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const pgUrl = (): string => urlForDatabase(database);
  let instances: Instance[] = [];
  let store: EventStore & StoreWithProjections<unknown>;
  beforeAll(async () => {
    await adminQuery(`create database "${database}"`);
    instances = await startInstances(3, { pgUrl: pgUrl() });
    store = (await createPostgresStore({ connectionString: pgUrl(), applicationName: 'downloads-field-test', maxConnections: 2 })) as never;
    expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await store?.close();
    await adminQuery(`drop database if exists "${database}" with (force)`);
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

  it('SIGKILL of the lease holder under load: another instance takes over within 3 s, the read model equals a full replay', async () => {
    const takeoverMs = await expectTakeoverAfterSigkill(instances, store, `pg-kill-${randomUUID().slice(0, 6)}`);
    console.log(`PostgreSQL: projection lease taken over ${takeoverMs} ms after SIGKILL of its holder`);
    expect(takeoverMs).toBeLessThanOrEqual(3_000);
  }, 120_000);
});

describe.skipIf(!available)('clock skew on PostgreSQL: 3 instances whose clocks read −2 s, 0 and +2 s', () => {
  const database = `chronicle_skew_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let instances: Instance[] = [];
  beforeAll(async () => {
    await adminQuery(`create database "${database}"`);
    const offsets = [-2_000, 0, 2_000];
    instances = await startInstances(3, { pgUrl: urlForDatabase(database) }, (i) => ({
      DOWNLOADS_ALLOW_CLOCK_OVERRIDE: '1',
      DOWNLOADS_CLOCK_OFFSET_MS: String(offsets[i]),
    }));
    expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await adminQuery(`drop database if exists "${database}" with (force)`);
  });

  it('no race grants more than its limit (nor fewer) when the deciding clocks disagree by up to 4 s', async () => {
    const tally = emptyTally();
    const run = randomUUID().slice(0, 6);
    for (let round = 0; round < Math.max(5, Math.ceil(ROUNDS / 2)); round++) await raceRound(instances.map((i) => i.url), `skew-${run}-r${round}`, tally);
    console.log(describeTally('PostgreSQL, clocks -2 s/0/+2 s:', tally));
    expectExact(tally);
  }, 300_000);
});
