import { mkdir, writeFile } from 'node:fs/promises';
import { isChronicleError, type RecordedEvent } from '@chronicle/core';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsStore, type NatsEventStore } from './nats-store.js';
import { findNatsServer, startNatsCluster, type NatsCluster } from './testing/index.js';
import { collectAll, raceOnSharedStreams } from './test-support/workloads.js';

const binary = findNatsServer();
if (!binary) {
  const message = 'no nats-server >= 2.12 (run .ci/setup.d/nats-server.sh or set CHRONICLE_NATS_SERVER_BIN): NATS cluster tests';
  if (process.env.CI === 'true') throw new Error(`${message} cannot run; CI=true requires them`);
  console.warn(`\n⚠ ${message} skipped\n`);
}

const WRITERS = 8;
const STREAMS_PER_WRITER = 4;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Ack = { readonly at: number; readonly events: readonly RecordedEvent[] };

/** One writer: appends to its own streams with exact expected versions until `stop`, recording every acknowledgement. */
async function writer(store: NatsEventStore, index: number, stop: AbortSignal, acks: Ack[], unknown: Record<string, number>): Promise<void> {
  const versions = Array<number>(STREAMS_PER_WRITER).fill(0);
  for (let n = 0; !stop.aborted; n++) {
    const slot = n % STREAMS_PER_WRITER;
    const streamId = `cluster/w${index}/s${slot}`;
    const size = 1 + (n % 3);
    const events = Array.from({ length: size }, (_, i) => ({ type: 'Written', data: { writer: index, n, i } }));
    try {
      const result = await store.append(streamId, events, versions[slot]!);
      versions[slot] = result.nextExpectedVersion;
      acks.push({ at: Date.now(), events: result.events });
    } catch (error) {
      // An append whose outcome is unknown may or may not be stored: resynchronise and go on.
      if (!isChronicleError(error, 'STORE_UNAVAILABLE') && !isChronicleError(error, 'WRONG_EXPECTED_VERSION')) throw error;
      const code = (error as { code: string }).code;
      unknown[code] = (unknown[code] ?? 0) + 1;
      for (;;) {
        try {
          versions[slot] = (await store.getStreamInfo(streamId))?.version ?? 0;
          break;
        } catch {
          await sleep(100);
        }
      }
    }
  }
}

async function streamLeader(jsm: JetStreamManager, stream: string): Promise<string> {
  for (;;) {
    try {
      const leader = (await jsm.streams.info(stream)).cluster?.leader;
      if (leader) return leader;
    } catch {
      // Election in progress.
    }
    await sleep(100);
  }
}

/** Waits until `node` holds a current copy of `stream`, then returns how long that took. */
async function caughtUp(jsm: JetStreamManager, stream: string, node: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const cluster = (await jsm.streams.info(stream)).cluster;
      const replica = cluster?.replicas?.find((r) => r.name === node);
      if (cluster?.leader === node || (replica?.current && !replica.lag)) return Date.now() - started;
    } catch {
      // Retry.
    }
    await sleep(100);
  }
  throw new Error(`${node} did not catch up on ${stream} within ${timeoutMs} ms`);
}

describe.skipIf(!binary)(`NATS JetStream cluster: 3 nodes, R3 streams (nats-server ${binary?.version})`, () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    cluster = await startNatsCluster({ binary: binary!.path });
    nc = await connect({ servers: [...cluster.urls], maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await jetstreamManager(nc);
  }, 150_000);

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('SIGKILL of the stream leader mid-load: every acked event stored exactly once, no fork, writes resume within 10 s, the node catches up', async () => {
    const stream = 'CHRONICLE_FAILOVER';
    const store = await createNatsStore({ servers: [...cluster.urls], stream, subjectPrefix: 'failover', replicas: 3, requestTimeoutMs: 500 });
    const acks: Ack[] = [];
    const unknown: Record<string, number> = {};
    const stop = new AbortController();
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(store, w, stop.signal, acks, unknown));

    await sleep(2_000);
    const victim = await streamLeader(jsm, stream);
    const ackedBeforeKill = acks.length;
    const killedAt = Date.now();
    await cluster.kill(victim, 'SIGKILL');
    while (!acks.some((a) => a.at > killedAt + 50) && Date.now() - killedAt < 20_000) await sleep(20);
    const firstAckAfterKill = acks.find((a) => a.at > killedAt + 50)?.at;
    await sleep(1_000);
    await cluster.restart(victim);
    const restartedAt = Date.now();
    const catchingUp = caughtUp(jsm, stream, victim, 30_000);
    await sleep(2_000);
    stop.abort();
    await Promise.all(writers);
    const catchUpMs = await catchingUp;
    // And once more with the load stopped: the restarted node holds everything.
    await caughtUp(jsm, stream, victim, 30_000);
    const times = acks.map((a) => a.at).sort((x, y) => x - y);
    let outageMs = 0;
    for (let i = 1; i < times.length; i++) if (times[i]! >= killedAt) outageMs = Math.max(outageMs, times[i]! - Math.max(times[i - 1]!, killedAt));
    const report = {
      server: binary!.version,
      victim,
      writers: WRITERS,
      ackedAppends: acks.length,
      ackedBeforeKill,
      ackedEvents: acks.reduce((sum, a) => sum + a.events.length, 0),
      failedAppends: unknown,
      firstAckAfterKillMs: firstAckAfterKill === undefined ? null : firstAckAfterKill - killedAt,
      writeOutageMs: outageMs,
      restartedAfterKillMs: restartedAt - killedAt,
      restartedNodeCaughtUpMs: catchUpMs,
    };
    console.log(`NATS cluster failover: ${JSON.stringify(report)}`);
    await mkdir('test-output', { recursive: true });
    await writeFile('test-output/nats-cluster-failover.json', `${JSON.stringify(report, null, 2)}\n`);

    // Make the restarted node the leader, so the checks below read its copy.
    for (let i = 0; i < 16 && (await streamLeader(jsm, stream)) !== victim; i++) {
      await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5_000 }).catch(() => undefined);
      await sleep(500);
    }
    expect(await streamLeader(jsm, stream)).toBe(victim);
    const stored = await collectAll(store);
    const ids = stored.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const storedIds = new Set(ids);
    const acked = acks.flatMap((a) => a.events);
    expect(acked.filter((e) => !storedIds.has(e.eventId))).toEqual([]);
    // Each (writer, n, i) is written by one append only: duplicates would mean a retried append stored twice.
    const tags = stored.map((e) => JSON.stringify(e.data));
    expect(new Set(tags).size).toBe(tags.length);
    for (const streamId of new Set(stored.map((e) => e.streamId))) {
      const positions = stored.filter((e) => e.streamId === streamId).map((e) => e.streamPosition);
      expect(positions).toEqual(positions.map((_, i) => i + 1));
    }
    expect(acks.length - ackedBeforeKill).toBeGreaterThan(50);
    expect(firstAckAfterKill).toBeDefined();
    expect(outageMs).toBeLessThan(10_000);
    await store.close();
  }, 120_000);

  it('racing writers on an R3 stream: none lost, losers get WRONG_EXPECTED_VERSION', async () => {
    const stores = await Promise.all(
      [0, 1].map(() => createNatsStore({ servers: [...cluster.urls], stream: 'CHRONICLE_RACE', subjectPrefix: 'race', replicas: 3 })),
    );
    const outcome = await raceOnSharedStreams(stores, { writers: 8, streams: 4, incrementsPerWriter: 15 });
    expect(outcome.lost).toBe(0);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.conflicts).toBeGreaterThan(0);
    await Promise.all(stores.map((s) => s.close()));
  }, 60_000);
});
