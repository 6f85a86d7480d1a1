/**
 * The Downloads service over HTTP (loopback), on SQLite, PostgreSQL and (when
 * nats-server >= 2.12 is installed) NATS JetStream, R3 streams on a 3-node
 * cluster on loopback with file storage in the temp folder:
 * request throughput and p99 latency of acquiring (`POST /v1/licenses`) and
 * releasing (`POST /v1/licenses/:id/release`) licenses, driven by autocannon
 * with 10 connections. The server runs in its own process (the load generator
 * would otherwise share its event loop); its "raw" column is the same Fastify
 * server answering a trivial route (`GET /bench/ping`) in the same run: the
 * HTTP ceiling on this machine.
 *
 * Every acquisition is by a new customer (no limit refuses it), so each one
 * reads two streams and appends to three in one atomic append; each release
 * reads two streams and appends to two. Any non-2xx answer fails the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request as LoadRequest } from 'autocannon';
import { findNatsServer, startNatsCluster, type NatsCluster } from '@chronicle/nats/testing';
import pg from 'pg';
import type { Measurement, Scenario, Suite } from './scenario.js';

const CONNECTIONS = 10;
const PINGS = 5_000;
const LICENSES = 3_000;
const WARMUP = 300;
const PG_URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Run = { readonly perSecond: number; readonly p99: number };
type StoreRuns = { readonly ping: Run; readonly acquire: Run; readonly release: Run };
type Kind = 'sqlite' | 'postgres' | 'nats';

let dir = '';
const schemas: string[] = [];
const natsBinary = findNatsServer('2.12.0');
let cluster: NatsCluster | undefined;
const natsCluster = async (): Promise<NatsCluster> =>
  (cluster ??= await startNatsCluster({ binary: natsBinary!.path }));

/** Starts the server process and waits for its URL. */
async function startServer(kind: Kind): Promise<{ url: string; child: ChildProcess }> {
  const name = `bench_http_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const args =
    kind === 'sqlite'
      ? ['sqlite', join(dir, `downloads-${randomUUID()}.db`)]
      : kind === 'nats'
        ? ['nats', (await natsCluster()).urls.join(','), name.toUpperCase()]
        : ['postgres', PG_URL, name];
  if (kind === 'postgres') schemas.push(args[2]!);
  const script = fileURLToPath(new URL('./http-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /ready (\S+)\n/.exec(output);
    if (match) return { url: match[1]!, child };
  }
  throw new Error(`the ${kind} server exited before it was ready`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

/** Fires `amount` requests over {@link CONNECTIONS} connections; every answer must be 2xx. */
async function fire(label: string, url: string, amount: number, request: LoadRequest): Promise<Run> {
  const started = process.hrtime.bigint();
  let lastAnswer = started;
  const { onResponse } = request;
  const timed: LoadRequest = {
    ...request,
    onResponse: (status, body, context) => {
      lastAnswer = process.hrtime.bigint();
      onResponse?.(status, body, context);
    },
  };
  const result = await autocannon({ url, connections: CONNECTIONS, amount, timeout: 30, requests: [timed] });
  // autocannon resolves on its once-a-second sampling tick, not at the last answer (rates came out as 3,000 / whole
  // seconds): time the answers themselves.
  const seconds = Number(lastAnswer - started) / 1e9;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx answers, ${result.errors} errors out of ${amount}`);
  return { perSecond: amount / seconds, p99: result.latency.p99 };
}

/** Acquires `amount` licenses, each for a new customer; returns their ids. */
async function acquire(url: string, amount: number, label: string): Promise<{ run: Run; licenseIds: string[] }> {
  const licenseIds: string[] = [];
  let next = 0;
  const run = await fire(`${label} acquire`, url, amount, {
    method: 'POST',
    path: '/v1/licenses',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ customerId: `${label}-${next++}`, deviceId: 'phone', titleId: 'stranger-things', studioId: 'netflix' }),
    }),
    onResponse: (status, body) => {
      if (status === 201) licenseIds.push((JSON.parse(body) as { licenseId: string }).licenseId);
    },
  });
  return { run, licenseIds };
}

async function release(url: string, licenseIds: readonly string[], label: string): Promise<Run> {
  let next = 0;
  return fire(`${label} release`, url, licenseIds.length, {
    method: 'POST',
    setupRequest: (request) => ({ ...request, path: `/v1/licenses/${licenseIds[next++ % licenseIds.length]}/release` }),
  });
}

const ping: LoadRequest = { method: 'GET', path: '/bench/ping' };

async function measure(kind: Kind): Promise<StoreRuns> {
  const { url, child } = await startServer(kind);
  try {
    const warm = randomUUID().slice(0, 8);
    await fire('warm-up ping', url, WARMUP, ping);
    await release(url, (await acquire(url, WARMUP, `warm-${warm}`)).licenseIds, `warm-${warm}`);
    const pingRun = await fire('ping', url, PINGS, ping);
    const label = `c-${randomUUID().slice(0, 8)}`;
    const acquired = await acquire(url, LICENSES, label);
    const releaseRun = await release(url, acquired.licenseIds, label);
    return { ping: pingRun, acquire: acquired.run, release: releaseRun };
  } finally {
    await stopServer(child);
  }
}

const runs = new Map<Kind, Promise<StoreRuns>>();
const measured = (kind: Kind): Promise<StoreRuns> => {
  if (!runs.has(kind)) runs.set(kind, measure(kind));
  return runs.get(kind)!;
};

const perSecond = (run: Run): Measurement => ({ value: run.perSecond, unit: 'req/s' });
const p99 = (run: Run): Measurement => ({ value: run.p99, unit: 'ms p99', lowerIsBetter: true });

function scenarios(kind: Kind): Scenario[] {
  return [
    { name: `${kind}: acquire, POST /v1/licenses (raw: GET /bench/ping)`, chronicle: async () => perSecond((await measured(kind)).acquire), raw: async () => perSecond((await measured(kind)).ping) },
    { name: `${kind}: acquire latency`, chronicle: async () => p99((await measured(kind)).acquire), raw: async () => p99((await measured(kind)).ping) },
    { name: `${kind}: release, POST /v1/licenses/:id/release`, chronicle: async () => perSecond((await measured(kind)).release), raw: async () => perSecond((await measured(kind)).ping) },
    { name: `${kind}: release latency`, chronicle: async () => p99((await measured(kind)).release), raw: async () => p99((await measured(kind)).ping) },
  ];
}

const suite: Suite = {
  name: 'http',
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-bench-http-'));
    return async () => {
      rmSync(dir, { recursive: true, force: true });
      await cluster?.stop();
      cluster = undefined;
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    };
  },
  scenarios: [...scenarios('sqlite'), ...scenarios('postgres'), ...(natsBinary ? scenarios('nats') : [])],
};

export default suite;
