import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createNatsStore, type NatsEventStore } from '@chronicle/nats';
import { findNatsServer, startNatsCluster, uniqueLayout, type NatsCluster } from '@chronicle/nats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectReadModelEqualsReplay,
  expectRulesChangeEverywhere,
  expectTakeoverAfterSigkill,
  leaseHolder,
} from './test-support/field-checks.js';
import { call, startInstance, type Instance } from './test-support/instances.js';
import { describeTally, emptyTally, expectExact, raceRound, raceRules } from './test-support/races.js';

const binary = findNatsServer();
if (!binary) {
  const message = 'no nats-server >= 2.12 (run .ci/setup.d/nats-server.sh or set CHRONICLE_NATS_SERVER_BIN)';
  if (process.env.CI === 'true')
    throw new Error(`${message}: the Downloads field tests on NATS cannot run; CI=true requires them`);
  console.warn(`\n⚠ ${message}: Downloads field tests on NATS skipped\n`);
}
/** Rounds of every race before the kill (more with DOWNLOADS_FIELD_ROUNDS for the closing figures). */
const ROUNDS = Number(process.env.DOWNLOADS_FIELD_ROUNDS ?? 4);
/**
 * Writes resume within this long after the stream leader's SIGKILL. The target is 8 s, met in most runs (4.3-7.3 s),
 * but JetStream cannot promise it: followers campaign 4-9 s after the leader's last heartbeat (nats-server's Raft
 * election timeout, compiled in), the vote takes up to ~0.8 s more, and a retry waits up to 0.5 s for the new
 * leader. Seen once in 11 runs on the loaded 2-core machine: 8.6 s.
 */
const RESUME_BOUND_MS = 10_500;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One keyed acquisition as the client saw it. */
type Acquisition = {
  readonly customerId: string;
  readonly titleId: string;
  readonly sentAt: number;
  /** When it was acknowledged (201), after any retries; undefined if it never was. */
  ackedAt?: number;
  licenseId?: string;
  fallback?: boolean;
  attempts: number;
};

describe.skipIf(!binary)(
  `in the field on NATS JetStream: 3 nodes (R3, nats-server ${binary?.version}), 3 instances, real clocks`,
  () => {
    const layout = uniqueLayout('field');
    let cluster: NatsCluster;
    let instances: Instance[] = [];
    let store: NatsEventStore;
    /** Instance i is given the seeds starting at node i, so the instances' connections spread over the nodes. */
    const seedsFor = (i: number): string[] => cluster.urls.map((_, n) => cluster.urls[(i + n) % cluster.urls.length]!);
    const shared = (i: number) => ({ nats: { servers: seedsFor(i), stream: layout.stream, replicas: 3 } });

    beforeAll(async () => {
      cluster = await startNatsCluster({
        binary: binary!.path,
        ...(existsSync('/dev/shm') ? { storageRoot: '/dev/shm' } : {}),
      });
      // The test's own client makes the R3 streams, so the instances start on them as an operator's would.
      store = await createNatsStore({
        servers: [...cluster.urls],
        stream: layout.stream,
        subjectPrefix: layout.stream.toLowerCase(),
        replicas: 3,
      });
      instances = await Promise.all([0, 1, 2].map((i) => startInstance(`i${i + 1}`, shared(i))));
      expect(instances[0]!.output()).toContain(`stream ${layout.stream}, R3, nats-server`);
      expect((await call(instances[0]!.url, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
    }, 120_000);
    afterAll(async () => {
      await Promise.all(instances.map((i) => i.kill()));
      await store?.close();
      await cluster?.stop();
    });

    it(`every race grants exactly its limit, ${ROUNDS} rounds, requests spread over the 3 instances`, async () => {
      const tally = emptyTally();
      const run = randomUUID().slice(0, 6);
      for (let round = 0; round < ROUNDS; round++) {
        await raceRound(
          instances.map((i) => i.url),
          `nats-${run}-r${round}`,
          tally,
        );
      }
      console.log(describeTally('NATS R3, 3 instances:', tally));
      expectExact(tally);
    }, 120_000);

    it('a rules change through instance 1 governs instances 2 and 3 within 1 s', async () => {
      const urls = instances.map((i) => i.url);
      const slowest = await expectRulesChangeEverywhere(urls, `nats-rules-${randomUUID().slice(0, 6)}`);
      console.log(`NATS: rules change applied by instances 2 and 3 after ${slowest} ms`);
    }, 60_000);

    // Writes resume (target 8 s, bound 10.5 s: see RESUME_BOUND_MS), no acknowledged license is lost or doubled,
    // races stay exact, and the read model equals a full replay.
    it('SIGKILL of the events stream leader and of the lease-holding instance under load', async () => {
      const run = randomUUID().slice(0, 6);
      const leader = await cluster.leaderOf(layout.stream);
      const hostLeader = await cluster.leaderOf(`KV_${layout.stream}_HOST`);
      let holder: Instance | undefined;
      for (const started = Date.now(); !(holder = await leaseHolder(instances)); await sleep(50)) {
        if (Date.now() - started > 10_000) throw new Error('no single lease holder within 10 s');
      }
      const alive = new Set(instances);
      const acquisitions: Acquisition[] = [];
      let loading = true;
      // Clients with an Idempotency-Key per acquisition: an answer lost with its instance is retried on
      // another one with the same key, as the deployment guide tells clients to.
      const load = Promise.all(
        Array.from({ length: 6 }, async (_, worker) => {
          for (let n = 0; loading; n++) {
            const customerId = `kill-${run}-w${worker}-${n}`;
            const acquisition: Acquisition = { customerId, titleId: `title-${n % 5}`, sentAt: Date.now(), attempts: 0 };
            acquisitions.push(acquisition);
            const body = { customerId, deviceId: 'tv', titleId: acquisition.titleId, studioId: 's' };
            while (acquisition.ackedAt === undefined) {
              const targets = [...alive];
              const target = targets[(worker + n + acquisition.attempts) % targets.length]!;
              acquisition.attempts++;
              const answer = await call(target.url, 'POST', '/v1/licenses', body, {
                'idempotency-key': `${customerId}-k`,
              }).catch(() => undefined);
              if (answer?.status === 201) {
                acquisition.ackedAt = Date.now();
                acquisition.licenseId = answer.body.licenseId;
                acquisition.fallback = answer.body.fallback === true;
              } else {
                expect(Date.now() - acquisition.sentAt, `${customerId}: ${JSON.stringify(answer?.body)}`).toBeLessThan(
                  20_000,
                );
                await sleep(50);
              }
            }
          }
        }),
      );
      await sleep(1_500);
      const killedAt = Date.now();
      alive.delete(holder);
      await Promise.all([cluster.kill(leader), holder.kill('SIGKILL')]);
      const survivors = [...alive];
      // Races through the survivors while the stream has no leader: limits hold across the election.
      const tally = emptyTally();
      const races = (async () => {
        for (let round = 0; round < 2; round++) {
          await raceRound(
            survivors.map((i) => i.url),
            `kill-${run}-race${round}`,
            tally,
          );
        }
      })();
      // Writes resumed: an acquisition sent after the kill was acknowledged.
      let resumedAt: number | undefined;
      while (resumedAt === undefined) {
        const after = acquisitions.filter((a) => a.sentAt >= killedAt && a.ackedAt !== undefined);
        if (after.length > 0) resumedAt = Math.min(...after.map((a) => a.ackedAt!));
        else if (Date.now() - killedAt > 20_000) throw new Error('no write acknowledged within 20 s of the kill');
        else await sleep(20);
      }
      let next: Instance | undefined;
      for (; !(next = await leaseHolder(survivors)); await sleep(20)) {
        if (Date.now() - killedAt > 20_000) throw new Error('no instance took the lease over within 20 s');
      }
      const takeoverMs = Date.now() - killedAt;
      await races;
      await sleep(1_000);
      loading = false;
      await load;
      const resumeMs = resumedAt - killedAt;
      const newLeader = await cluster.leaderOf(layout.stream);
      expect(newLeader).not.toBe(leader);
      const acked = acquisitions.filter((a) => a.ackedAt !== undefined);
      const retried = acquisitions.filter((a) => a.attempts > 1).length;
      const longest = Math.max(...acquisitions.map((a) => a.ackedAt! - a.sentAt));
      console.log(
        `NATS: SIGKILL of stream leader ${leader} (new leader ${newLeader}; the KV bucket's was ${hostLeader}) ` +
          `and instance ${holder.name}: ` +
          `writes resumed after ${resumeMs} ms${resumeMs > 8_000 ? ' (over the 8 s target)' : ''}, ` +
          `lease holder reported after ${takeoverMs} ms (status reads the head: after the election); ` +
          `${acked.length} keyed acquisitions ` +
          `acknowledged (${retried} retried by the client, longest ${longest} ms)\n` +
          describeTally('NATS R3 during the election:', tally),
      );
      expect(resumeMs).toBeLessThanOrEqual(RESUME_BOUND_MS);
      expectExact(tally);
      expect(
        acked.filter((a) => a.fallback).map((a) => a.customerId),
        'granted by the fallback',
      ).toEqual([]);
      expect(acked.length).toBeGreaterThan(20);

      // Every acknowledged license is stored, exactly once per client request, as answered.
      const reader = survivors[0]!;
      for (const acquisition of acked) {
        const { body } = await call(reader.url, 'GET', `/v1/customers/${acquisition.customerId}/downloads`);
        expect(
          body.activeLicenses.map((l: { licenseId: string }) => l.licenseId),
          acquisition.customerId,
        ).toEqual([acquisition.licenseId]);
      }
      await expectReadModelEqualsReplay(next, store as never);
    }, 120_000);

    it('then SIGKILL of the lease holder alone (2 nodes left): takeover within 3 s, read model = replay', async () => {
      const survivors = instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
      expect(survivors).toHaveLength(2);
      const takeoverMs = await expectTakeoverAfterSigkill(
        survivors,
        store as never,
        `nats-lease-${randomUUID().slice(0, 6)}`,
      );
      console.log(`NATS: projection lease taken over ${takeoverMs} ms after SIGKILL of its holder`);
      expect(takeoverMs).toBeLessThanOrEqual(3_000);
    }, 60_000);
  },
);
