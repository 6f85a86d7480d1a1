/**
 * The NATS JetStream store next to the raw JetStream client publishing and
 * reading the same messages in the same run.
 *
 * "Raw" is what a careful developer would write by hand for the same
 * guarantees: one message per append on a subject per stream, the same JSON
 * body and headers, `Nats-Expected-Last-Subject-Sequence` for the version
 * check (tracked from the previous publish ack) and a `Nats-Msg-Id`; reads are
 * an ordered consumer that parses every body. So the ratio is Chronicle's own
 * overhead: validation, serialization, building results, stream lookups.
 *
 * Runs against the machine's NATS (`CHRONICLE_NATS_URL`, one node, R1) and, when a
 * nats-server >= 2.10 is installed (`.ci/setup.d/nats-server.sh`), against a
 * 3-node cluster on loopback with R3 streams. Each scenario warms up, then
 * alternates Chronicle and raw rounds (the machine is shared) and reports the median.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@chronicle/core';
import { createNatsStore, natsUrlFromEnv, type NatsEventStore } from '@chronicle/nats';
import { findNatsServer, startNatsCluster, type NatsCluster } from '@chronicle/nats/testing';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { Measurement, Scenario, Suite } from './scenario.js';

const ROUNDS = 3;
const WRITERS = 8;
const BATCH = 100;
const CATCH_UP = 100_000;
const CATCH_UP_BATCH = 10;
const CATCH_UP_ROUNDS = 5;
const MULTI_ROUNDS = 3;
/** Messages a catch-up read pulls at a time in Chronicle (`PREFETCH_MESSAGES` in packages/nats/src/commit-scan.ts). */
const PREFETCH_MESSAGES = 256;

/** Whether nats-server `version` ("2.15.1") is at least `major.minor`. */
function serverAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
const encoder = new TextEncoder();
const clusterBinary = findNatsServer('2.10.0');

type Target = { store: NatsEventStore; nc: NatsConnection; js: JetStreamClient; stream: string; prefix: string };
const targets = new Map<string, Target>();

function target(name: string): Target {
  const found = targets.get(name);
  if (!found) throw new Error(`${name} is not set up`);
  return found;
}

function events(count: number, round: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({ type: 'Counted', data: { round, i, note: 'a typical small event' } }));
}

/** The message Chronicle writes for an append, built by hand: the same body, headers and version check. */
async function rawAppend(js: JetStreamClient, subject: string, batch: readonly NewEvent[], state: { version: number; seq: number }): Promise<void> {
  const body = `[${batch.map((e) => `{"id":"${randomUUID()}","type":${JSON.stringify(e.type)},"data":${JSON.stringify(e.data)},"metadata":{}}`).join(',')}]`;
  const version = state.version + batch.length;
  const h = headers();
  h.set('Chronicle-Version', String(version));
  h.set('Chronicle-Count', String(batch.length));
  h.set('Chronicle-Prev', String(state.seq));
  h.set('Chronicle-Time', String(Date.now()));
  const ack = await js.publish(subject, encoder.encode(body), { msgID: randomUUID(), expect: { lastSubjectSequence: state.seq }, headers: h });
  state.version = version;
  state.seq = ack.seq;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** A warm-up round (JIT, connections), then alternating rounds (who goes first alternates too); each side's median rate. */
async function alternate(count: number, chronicle: (round: number) => Promise<void>, raw: (round: number) => Promise<void>): Promise<{ chronicle: Measurement; raw: Measurement }> {
  await chronicle(ROUNDS);
  await raw(ROUNDS);
  const times = { chronicle: [] as number[], raw: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const sides = [['chronicle', chronicle], ['raw', raw]] as const;
    for (const [side, work] of round % 2 === 0 ? sides : [...sides].reverse()) times[side].push(await timed(() => work(round)));
  }
  return { chronicle: { value: count / median(times.chronicle), unit: 'ev/s' }, raw: { value: count / median(times.raw), unit: 'ev/s' } };
}

/** A scenario measured once for both sides (the pair is cached until `raw` asks for it). */
function paired(name: string, measure: () => Promise<{ chronicle: Measurement; raw: Measurement }>): Scenario {
  let pending: Promise<{ chronicle: Measurement; raw: Measurement }> | undefined;
  return {
    name,
    chronicle: async () => (pending = measure()).then((p) => p.chronicle),
    raw: async () => {
      const result = (await pending!).raw;
      pending = undefined;
      return result;
    },
  };
}

function writes(label: string, appends: number, perAppend: number, writers: number): Scenario {
  const total = appends * perAppend * writers;
  const name = `${label}: ${writers} writer${writers > 1 ? 's' : ''}, ${appends * writers} appends of ${perAppend}`;
  return paired(name, () => {
    const t = target(label);
    const run = randomUUID().slice(0, 8);
    return alternate(
      total,
      async (round) => {
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const streamId = `chronicle-${run}-${round}-${w}`;
            let version = 0;
            for (let n = 0; n < appends; n++) version = (await t.store.append(streamId, events(perAppend, round), version)).nextExpectedVersion;
          }),
        );
      },
      async (round) => {
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const subject = `${t.prefix}.e.raw-${run}-${round}-${w}`;
            const state = { version: 0, seq: 0 };
            for (let n = 0; n < appends; n++) await rawAppend(t.js, subject, events(perAppend, round), state);
          }),
        );
      },
    );
  });
}

type CatchUpSide = 'chronicle' | 'consumer' | 'consumer64' | 'direct';

/** Medians of several sides timed in alternating order after a warm-up round each (the machine is shared). */
async function interleave<S extends string>(
  count: number,
  sides: Record<S, () => Promise<void>>,
  rounds = CATCH_UP_ROUNDS,
  unit = 'ev/s',
): Promise<Record<S, Measurement>> {
  const names = Object.keys(sides) as S[];
  for (const name of names) await sides[name]();
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<S, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) times[name].push(await timed(sides[name]));
  }
  return Object.fromEntries(names.map((name) => {
    const rates = times[name].map((t) => count / t).sort((a, b) => a - b);
    const short = (rate: number): string => (rate >= 10_000 ? `${Math.round(rate / 1000)}k` : String(Math.round(rate)));
    const note = `${short(rates[0]!)}–${short(rates[rates.length - 1]!)}`;
    return [name, { value: count / median(times[name]), unit, note }];
  })) as Record<S, Measurement>;
}

/**
 * Catch-up reads of `total` events: Chronicle's `readAll` next to the raw
 * client reading the same messages three ways, all in one interleaved run:
 * an ordered consumer pulling as many messages as Chronicle's does
 * ({@link PREFETCH_MESSAGES}), the same pulling 64 (what the raw side did
 * before Chronicle's pulls grew), and batch direct gets (nats-server 2.11+).
 * One row per raw way, each against the same Chronicle figure.
 */
function catchUp(label: string, total: number): Scenario[] {
  let pending: Promise<Record<CatchUpSide, Measurement>> | undefined;
  const measure = (): Promise<Record<CatchUpSide, Measurement>> => (pending ??= measureCatchUp(label, total));
  const row = (side: Exclude<CatchUpSide, 'chronicle'>, how: string): Scenario => ({
    name: `${label}: catch-up read of ${total / 1000}k events (appends of ${CATCH_UP_BATCH}); raw: ${how}`,
    goal: side === 'consumer64' ? undefined : '>= 80% of raw',
    goalRatio: side === 'consumer64' ? undefined : 0.8,
    chronicle: async () => (await measure()).chronicle,
    raw: async () => (await measure())[side],
  });
  return [
    row('consumer', `ordered consumer, pulls of ${PREFETCH_MESSAGES} (as Chronicle's)`),
    row('consumer64', 'ordered consumer, pulls of 64'),
    row('direct', `batch direct get, ${PREFETCH_MESSAGES} a request`),
  ];
}

async function measureCatchUp(label: string, total: number): Promise<Record<CatchUpSide, Measurement>> {
  const t = target(label);
  // A fresh store of exactly `total` events, written by 8 writers through Chronicle.
  const stream = `${t.stream}_READ`;
  const prefix = `${t.prefix}_read`;
  const replicas = label.startsWith('3') ? 3 : 1;
  const store = await createNatsStore({ connection: t.nc, stream, subjectPrefix: prefix, replicas });
  const perWriter = total / CATCH_UP_BATCH / WRITERS;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = 0, version = 0; n < perWriter; n++) {
        version = (await store.append(`reader-${w}`, events(CATCH_UP_BATCH, n), version)).nextExpectedVersion;
      }
    }),
  );
  const jsm = await jetstreamManager(t.nc);
  // Direct gets are answered by any replica; the raw side reads a stream nobody writes to meanwhile.
  const direct = serverAtLeast(store.serverVersion, 2, 11);
  if (direct) await jsm.streams.update(stream, { allow_direct: true });
  const decoder = new TextDecoder();
  // A Chronicle commit body: its events, after the header's fields (an array) in front.
  const eventCount = (data: Uint8Array): number => {
    const body = JSON.parse(decoder.decode(data)) as unknown[];
    return Array.isArray(body[0]) ? body.length - 1 : body.length;
  };
  const consumer = (pull: number) => async () => {
    const c = await t.js.consumers.get(stream, { opt_start_seq: 1 });
    const messages = await c.consume({ max_messages: pull });
    let count = 0;
    for await (const message of messages) {
      count += eventCount(message.data);
      if (message.info.pending === 0) break;
    }
    await c.delete().catch(() => undefined);
    if (count !== total) throw new Error(`raw read ${count} events, expected ${total}`);
  };
  const sides: Record<CatchUpSide, () => Promise<void>> = {
    chronicle: async () => {
      let count = 0;
      for await (const _event of store.readAll()) count++;
      if (count !== total) throw new Error(`read ${count} events, expected ${total}`);
    },
    consumer: consumer(PREFETCH_MESSAGES),
    consumer64: consumer(64),
    direct: async () => {
      if (!direct) return;
      const last = (await jsm.streams.info(stream)).state.last_seq;
      let count = 0;
      for (let seq = 1; seq <= last; ) {
        for await (const message of await jsm.direct.getBatch(stream, { seq, batch: PREFETCH_MESSAGES })) {
          seq = message.seq + 1;
          count += eventCount(message.data);
        }
      }
      if (count !== total) throw new Error(`raw direct read ${count} events, expected ${total}`);
    },
  };
  const measured = await interleave(total, sides);
  await store.close();
  for (const name of [stream, `${stream}_AUX`]) await jsm.streams.delete(name).catch(() => false);
  if (!direct) {
    const note = `nats-server ${store.serverVersion} has no batch direct get`;
    measured.direct = { value: Number.NaN, unit: 'ev/s', note };
  }
  return measured;
}

type MultiSide = 'multi' | 'singles' | 'single';

/**
 * The cost of atomicity: {@link WRITERS} writers each doing `operations`
 * operations on three streams of their own, one event per stream, at exact
 * expected versions: one atomic `appendMulti` (one JetStream atomic batch), or
 * three single appends in a row (not atomic), or one single append (a third of
 * the work, the floor). Interleaved rounds in one run; each row's "raw" column
 * is a Chronicle figure too, the non-atomic alternative.
 */
function multiStream(label: string, operations: number): Scenario[] {
  let pending: Promise<Record<MultiSide, Measurement>> | undefined;
  const measure = (): Promise<Record<MultiSide, Measurement>> => (pending ??= measureMulti(label, operations));
  const what = `${WRITERS} writers, ${operations * WRITERS} operations on 3 streams, 1 event each`;
  return [
    {
      name: `${label}: appendMulti (1 atomic batch), ${what}; raw column: 3 single appends in a row`,
      chronicle: async () => (await measure()).multi,
      raw: async () => (await measure()).singles,
    },
    {
      name: `${label}: appendMulti, ${what}; raw column: 1 single append of 1 event`,
      chronicle: async () => (await measure()).multi,
      raw: async () => (await measure()).single,
    },
  ];
}

async function measureMulti(label: string, operations: number): Promise<Record<MultiSide, Measurement>> {
  const t = target(label);
  if (!t.store.info.multiStreamAppend) {
    const note = `nats-server ${t.store.serverVersion}: no atomic batches`;
    const none = { value: Number.NaN, unit: 'op/s', note };
    return { multi: none, singles: none, single: none };
  }
  const run = randomUUID().slice(0, 8);
  let round = 0;
  const side = (work: (w: number, n: number, ids: string[], versions: number[]) => Promise<void>) => async () => {
    const r = round++;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const ids = [0, 1, 2].map((s) => `multi-${run}-${r}-${w}-${s}`);
        const versions = [0, 0, 0];
        for (let n = 0; n < operations; n++) await work(w, n, ids, versions);
      }),
    );
  };
  const event = (w: number, n: number) => [{ type: 'Counted', data: { w, n, note: 'a typical small event' } }];
  const sides: Record<MultiSide, () => Promise<void>> = {
    multi: side(async (w, n, ids, versions) => {
      const appends = ids.map((streamId, s) => ({ streamId, events: event(w, n), expectedVersion: versions[s]! }));
      const results = await t.store.appendMulti(appends);
      results.forEach((result, s) => (versions[s] = result.nextExpectedVersion));
    }),
    singles: side(async (w, n, ids, versions) => {
      for (const [s, streamId] of ids.entries()) {
        versions[s] = (await t.store.append(streamId, event(w, n), versions[s]!)).nextExpectedVersion;
      }
    }),
    single: side(async (w, n, ids, versions) => {
      versions[0] = (await t.store.append(ids[0]!, event(w, n), versions[0]!)).nextExpectedVersion;
    }),
  };
  return interleave(operations * WRITERS, sides, MULTI_ROUNDS, 'op/s');
}

function scenarios(label: string, scale: number): Scenario[] {
  return [
    writes(label, 2_000 * scale, 1, 1),
    writes(label, 250 * scale, 1, WRITERS),
    writes(label, 100 * scale, BATCH, 1),
    ...catchUp(label, CATCH_UP),
    ...multiStream(label, 100 * scale),
  ];
}

async function open(label: string, servers: string | readonly string[], replicas: number): Promise<void> {
  const id = randomUUID().slice(0, 8);
  const stream = `CHRONICLE_BENCH_${id}`;
  const prefix = `bench_${id}`;
  const nc = await connect({ servers: typeof servers === 'string' ? servers : [...servers], maxReconnectAttempts: -1 });
  const store = await createNatsStore({ connection: nc, stream, subjectPrefix: prefix, replicas });
  targets.set(label, { store, nc, js: jetstream(nc), stream, prefix });
}

const SINGLE = '1 node';
const CLUSTER = '3 nodes R3';

/** NATS JetStream store vs the raw JetStream client, single node and (if installed) a 3-node cluster. */
const natsSuite: Suite = {
  name: 'nats',
  async setup() {
    // One node: CHRONICLE_NATS_URL when set, else a standalone nats-server >= 2.12 when installed (what the
    // tests run on), else the default URL.
    const standaloneBinary = process.env.CHRONICLE_NATS_URL ? undefined : findNatsServer('2.12.0');
    const standalone = standaloneBinary
      ? await startNatsCluster({ binary: standaloneBinary.path, size: 1 })
      : undefined;
    const singleUrl = standalone?.urls[0] ?? natsUrlFromEnv();
    await open(SINGLE, singleUrl, 1);
    let cluster: NatsCluster | undefined;
    if (clusterBinary) {
      cluster = await startNatsCluster({ binary: clusterBinary.path });
      await open(CLUSTER, cluster.urls, 3);
    }
    const clusterNote = clusterBinary
      ? `; ${CLUSTER} is nats-server ${clusterBinary.version} on loopback`
      : '; no nats-server >= 2.10, cluster skipped';
    console.log(`nats: ${SINGLE} is ${singleUrl} (${target(SINGLE).store.serverVersion})${clusterNote}`);
    return async () => {
      for (const t of targets.values()) {
        await t.store.close();
        const jsm = await jetstreamManager(t.nc);
        for (const name of [t.stream, `${t.stream}_AUX`]) await jsm.streams.delete(name).catch(() => false);
        await t.nc.close();
      }
      targets.clear();
      await cluster?.stop();
      await standalone?.stop();
    };
  },
  scenarios: [...scenarios(SINGLE, 1), ...(clusterBinary ? scenarios(CLUSTER, 1) : [])],
};

export default natsSuite;
