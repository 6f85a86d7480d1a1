/**
 * Downloads acquisitions through 1 and through 3 instances on one PostgreSQL
 * schema, measured in the same run and interleaved (1, 3, 1, 3, …): does a
 * second and third instance add throughput? Each instance is its own process
 * (bench/src/http-server.ts); the load is autocannon with 12 connections in
 * all (12 to the single instance, 4 to each of the three), every acquisition
 * by a new customer. Beside the rate, each run records where the time went:
 * the machine's CPU (busy share, and the CPU seconds of the instances and of
 * the PostgreSQL server's processes) and PostgreSQL's wait events, sampled
 * from pg_stat_activity every 20 ms for the instances' connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import type { Measurement, Suite } from './scenario.js';

const PG_URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTIONS = 12;
const ACQUISITIONS = 3_000;
const ROUNDS = Number(process.env.BENCH_INSTANCE_ROUNDS ?? 3);
const APP_NAME = 'chronicle-bench-http';
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (Linux's USER_HZ)

let schema = '';

type Instance = { readonly url: string; readonly child: ChildProcess };
export type InstanceRun = {
  readonly instances: number;
  readonly perSecond: number;
  readonly p99: number;
  readonly busy: number;
  readonly nodeCpuSeconds: number;
  readonly postgresCpuSeconds: number;
  readonly seconds: number;
  readonly waits: Readonly<Record<string, number>>;
};

async function start(): Promise<Instance> {
  const script = fileURLToPath(new URL('./http-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', script, 'postgres', PG_URL, schema], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /ready (\S+)\n/.exec(output);
    if (match) return { url: match[1]!, child };
  }
  throw new Error('a bench instance exited before it was ready');
}

const cpuTicks = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};
const postgresPids = (): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
const machine = (): { busy: number; total: number } => {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = values.map(Number);
  const idle = ticks[3]! + ticks[4]!;
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
};

/** Acquisitions through `instances`, the connections split evenly; returns the run and where the time went. */
async function measure(instances: readonly Instance[], label: string): Promise<InstanceRun> {
  const sampler = new pg.Client({ connectionString: PG_URL });
  await sampler.connect();
  const waits: Record<string, number> = {};
  let sampling = true;
  const sampling$ = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ wait: string }>(
        "select coalesce(wait_event_type || ':' || wait_event, 'CPU (running)') as wait from pg_stat_activity where application_name = $1 and state = 'active'",
        [APP_NAME],
      );
      for (const { wait } of rows) waits[wait] = (waits[wait] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const postgresTicks = (): Map<number, number> => new Map(postgresPids().map((pid) => [pid, cpuTicks(pid)]));
  const before = { machine: machine(), node: instances.map((i) => cpuTicks(i.child.pid!)), pg: postgresTicks() };
  const started = process.hrtime.bigint();
  let last = started;
  const per = Math.floor(ACQUISITIONS / instances.length);
  const results = await Promise.all(
    instances.map((instance, index) => {
      let next = 0;
      return autocannon({
        url: instance.url,
        connections: CONNECTIONS / instances.length,
        amount: per,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/v1/licenses',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ customerId: `${label}-${index}-${next++}`, deviceId: 'phone', titleId: 't', studioId: 's' }) }),
            onResponse: () => {
              last = process.hrtime.bigint();
            },
          },
        ],
      });
    }),
  );
  const seconds = Number(last - started) / 1e9;
  const after = { machine: machine(), node: instances.map((i) => cpuTicks(i.child.pid!)), pg: postgresTicks() };
  sampling = false;
  await sampling$;
  await sampler.end();
  for (const result of results) if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return {
    instances: instances.length,
    perSecond: (per * instances.length) / seconds,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    busy: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
    nodeCpuSeconds: (sum(after.node) - sum(before.node)) / TICK,
    // Every PostgreSQL process of the server (backends started during the run included; the machine is shared).
    postgresCpuSeconds: sum([...after.pg].map(([pid, ticks]) => ticks - (before.pg.get(pid) ?? 0))) / TICK,
    seconds,
    waits,
  };
}

const runs: InstanceRun[] = [];
let measured: Promise<void> | undefined;

/** Interleaved rounds: 1 instance, then 3, {@link ROUNDS} times, on one fleet started once. */
function measureAll(): Promise<void> {
  measured ??= (async () => {
    const fleet = await Promise.all([start(), start(), start()]);
    try {
      for (const instance of fleet) await measure([instance], `warm-${randomUUID().slice(0, 6)}`);
      for (let round = 0; round < ROUNDS; round++) {
        runs.push(await measure(fleet.slice(0, 1), `one-${round}-${randomUUID().slice(0, 6)}`));
        runs.push(await measure(fleet, `three-${round}-${randomUUID().slice(0, 6)}`));
      }
    } finally {
      for (const { child } of fleet) {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
    for (const run of runs) {
      const total = Object.values(run.waits).reduce((a, b) => a + b, 0);
      const top = Object.entries(run.waits)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([wait, n]) => `${wait} ${Math.round((100 * n) / total)}%`)
        .join(', ');
      console.log(
        `\n  ${run.instances} instance(s): ${run.perSecond.toFixed(0)} acq/s, p99 ${run.p99} ms, machine busy ${(100 * run.busy).toFixed(0)}%, ` +
          `Node ${run.nodeCpuSeconds.toFixed(1)} CPU-s, PostgreSQL ${run.postgresCpuSeconds.toFixed(1)} CPU-s in ${run.seconds.toFixed(1)} s; waits: ${top}`,
      );
    }
  })();
  return measured;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rateOf = async (instances: number): Promise<Measurement> => {
  await measureAll();
  return { value: median(runs.filter((r) => r.instances === instances).map((r) => r.perSecond)), unit: 'req/s', note: `median of ${ROUNDS}` };
};

const suite: Suite = {
  name: 'instances',
  async setup() {
    schema = `bench_inst_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    return async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    };
  },
  scenarios: [{ name: 'postgres: acquire through 3 instances (raw column: 1 instance)', chronicle: () => rateOf(3), raw: () => rateOf(1) }],
};

export default suite;
