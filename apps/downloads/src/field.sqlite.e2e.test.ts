import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRulesChangeEverywhere, expectTakeoverAfterSigkill } from './test-support/field-checks.js';
import { call, startInstances, type Instance } from './test-support/instances.js';
import { describeTally, emptyTally, expectExact, raceRound, raceRules } from './test-support/races.js';

/** Rounds of every race (the closing figures need at least 20). */
const ROUNDS = Number(process.env.DOWNLOADS_FIELD_ROUNDS ?? 20);

describe('in the field on SQLite: one instance (a child process), real clock', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'downloads-field-sqlite-'));
  let instances: Instance[] = [];
  beforeAll(async () => {
    instances = await startInstances(1, { sqliteFile: path.join(dir, 'chronicle.db') });
    expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`every race grants exactly its limit, ${ROUNDS} rounds`, async () => {
    const tally = emptyTally();
    for (let round = 0; round < ROUNDS; round++) await raceRound(instances.map((i) => i.url), `sq-r${round}`, tally);
    console.log(describeTally('SQLite, 1 instance:', tally));
    expectExact(tally);
  }, 300_000);
});

describe('several instances on one SQLite file (one host): clocks −2 s, 0 and +2 s; rules; lease takeover', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'downloads-field-sqlite3-'));
  const file = path.join(dir, 'chronicle.db');
  let instances: Instance[] = [];
  let store: EventStore & StoreWithProjections<unknown>;
  beforeAll(async () => {
    const offsets = [-2_000, 0, 2_000];
    // Three processes take turns at the file's write lock: a longer busy timeout, as the guide says,
    // so that waiting for the others is not mistaken for an outage (which the fallback would answer).
    instances = await startInstances(3, { sqliteFile: file }, (i) => ({
      DOWNLOADS_ALLOW_CLOCK_OVERRIDE: '1',
      DOWNLOADS_CLOCK_OFFSET_MS: String(offsets[i]),
      CHRONICLE_SQLITE_BUSY_TIMEOUT_MS: '10000',
    }));
    store = createSqliteStore({ path: file, busyTimeoutMs: 5_000 }) as EventStore & StoreWithProjections<unknown>;
    expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no race grants more than its limit (nor fewer) when the deciding clocks disagree by up to 4 s', async () => {
    const tally = emptyTally();
    const run = randomUUID().slice(0, 6);
    for (let round = 0; round < Math.max(5, Math.ceil(ROUNDS / 2)); round++) await raceRound(instances.map((i) => i.url), `sq3-${run}-r${round}`, tally);
    console.log(describeTally('SQLite, 3 instances, clocks -2 s/0/+2 s:', tally));
    expectExact(tally);
  }, 300_000);

  it('a rules change through instance 1 governs instances 2 and 3 within 1 s', async () => {
    const slowest = await expectRulesChangeEverywhere(instances.map((i) => i.url), `sq-rules-${randomUUID().slice(0, 6)}`);
    console.log(`SQLite: rules change applied by instances 2 and 3 after ${slowest} ms`);
  }, 60_000);

  it('SIGKILL of the lease holder under load: another instance takes over within 3 s (lease TTL 1.5 s), the read model equals a full replay', async () => {
    const takeoverMs = await expectTakeoverAfterSigkill(instances, store, `sq-kill-${randomUUID().slice(0, 6)}`);
    console.log(`SQLite: projection lease taken over ${takeoverMs} ms after SIGKILL of its holder`);
    expect(takeoverMs).toBeLessThanOrEqual(3_000);
  }, 120_000);
});
