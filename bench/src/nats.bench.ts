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

function catchUp(label: string, total: number): Scenario {
  return paired(`${label}: catch-up read of ${total / 1000}k events (appends of ${CATCH_UP_BATCH})`, async () => {
    const t = target(label);
    // A fresh store of exactly `total` events, written by 8 writers through Chronicle.
    const stream = `${t.stream}_READ`;
    const prefix = `${t.prefix}_read`;
    const store = await createNatsStore({ connection: t.nc, stream, subjectPrefix: prefix, replicas: label.startsWith('3') ? 3 : 1 });
    const perWriter = total / CATCH_UP_BATCH / WRITERS;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let n = 0, version = 0; n < perWriter; n++) version = (await store.append(`reader-${w}`, events(CATCH_UP_BATCH, n), version)).nextExpectedVersion;
      }),
    );
    const measured = await alternate(
      total,
      async () => {
        let count = 0;
        for await (const _event of store.readAll()) count++;
        if (count !== total) throw new Error(`read ${count} events, expected ${total}`);
      },
      async () => {
        const consumer = await t.js.consumers.get(stream, { opt_start_seq: 1 });
        const messages = await consumer.consume({ max_messages: 64 });
        let count = 0;
        for await (const message of messages) {
          count += (JSON.parse(new TextDecoder().decode(message.data)) as unknown[]).length;
          if (message.info.pending === 0) break;
        }
        await consumer.delete().catch(() => undefined);
        if (count !== total) throw new Error(`raw read ${count} events, expected ${total}`);
      },
    );
    await store.close();
    const jsm = await jetstreamManager(t.nc);
    for (const name of [stream, `${stream}_AUX`]) await jsm.streams.delete(name).catch(() => false);
    return measured;
  });
}

function scenarios(label: string, scale: number): Scenario[] {
  return [
    writes(label, 2_000 * scale, 1, 1),
    writes(label, 250 * scale, 1, WRITERS),
    writes(label, 100 * scale, BATCH, 1),
    catchUp(label, CATCH_UP),
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
    await open(SINGLE, natsUrlFromEnv(), 1);
    let cluster: NatsCluster | undefined;
    if (clusterBinary) {
      cluster = await startNatsCluster({ binary: clusterBinary.path });
      await open(CLUSTER, cluster.urls, 3);
    }
    console.log(`nats: ${SINGLE} is ${natsUrlFromEnv()} (${target(SINGLE).store.serverVersion})${clusterBinary ? `; ${CLUSTER} is nats-server ${clusterBinary.version} on loopback` : '; no nats-server >= 2.10, cluster skipped'}`);
    return async () => {
      for (const t of targets.values()) {
        await t.store.close();
        const jsm = await jetstreamManager(t.nc);
        for (const name of [t.stream, `${t.stream}_AUX`]) await jsm.streams.delete(name).catch(() => false);
        await t.nc.close();
      }
      targets.clear();
      await cluster?.stop();
    };
  },
  scenarios: [...scenarios(SINGLE, 1), ...(clusterBinary ? scenarios(CLUSTER, 1) : [])],
};

export default natsSuite;
