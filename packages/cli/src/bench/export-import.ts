/**
 * Benchmark: export N events from a SQLite store with the real `chronicle`
 * binary, then import them into an empty store; prints events/s and the CLI
 * process's peak RSS for each step.
 *
 *   node --conditions=@chronicle/source --import tsx packages/cli/src/bench/export-import.ts [events=1000000]
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1/test node … export-import.ts 1000000   # on PostgreSQL
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventStore, NewEvent, StreamAppend } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';
import pg from 'pg';

const total = Number(process.argv[2] ?? 1_000_000);
const STREAMS_PER_BATCH = 100;
const EVENTS_PER_STREAM = 10;
const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-bench-'));
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/chronicle.mjs');

const pgUrl = process.env.BENCH_PG_URL;
const suffix = path.basename(dir).replace(/[^a-z0-9]/gi, '').toLowerCase();
/** CLI arguments and an in-process opener for the source and target stores. */
const stores = {
  source: pgUrl ? ['--pg', pgUrl, '--schema', `bench_src_${suffix}`] : ['--db', path.join(dir, 'source.db')],
  target: pgUrl ? ['--pg', pgUrl, '--schema', `bench_dst_${suffix}`] : ['--db', path.join(dir, 'target.db')],
};
const openSource = (): Promise<EventStore> | EventStore =>
  pgUrl ? createPostgresStore({ connectionString: pgUrl, schema: `bench_src_${suffix}` }) : createSqliteStore({ path: path.join(dir, 'source.db'), synchronous: 'NORMAL' });

const seedStarted = Date.now();
const source = await openSource();
for (let batch = 0, written = 0; written < total; batch++) {
  const appends: StreamAppend[] = [];
  for (let s = 0; s < STREAMS_PER_BATCH && written < total; s++) {
    const events: NewEvent[] = [];
    for (let e = 0; e < EVENTS_PER_STREAM && written < total; e++, written++) {
      events.push({ type: 'LicenseRenewed', data: { licenseId: `l-${batch}-${s}`, renewedAt: new Date(written * 1000).toISOString(), n: written }, metadata: { customerId: `c-${s}` } });
    }
    appends.push({ streamId: `license-${batch}-${s}`, events, expectedVersion: 'no_stream' });
  }
  await source.appendMulti(appends);
}
await source.close();
console.log(`seeded ${total} events in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

type Summary = { seconds: number; eventsPerSecond: number; maxRssMB: number };
function run(args: string[]): Summary {
  return JSON.parse(execFileSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 })) as Summary;
}
const file = path.join(dir, 'events.ndjson');
const exported = run([...stores.source, 'export', file]);
const imported = run([...stores.target, 'import', file]);
console.log(`store: ${pgUrl ? 'PostgreSQL' : 'SQLite'}`);
console.log(`file: ${(statSync(file).size / 1e6).toFixed(0)} MB`);
console.log('| step   | events    | seconds | events/s | peak RSS (MB) |');
console.log('|--------|-----------|---------|----------|---------------|');
for (const [step, s] of [['export', exported], ['import', imported]] as const) {
  console.log(`| ${step} | ${total} | ${s.seconds.toFixed(1)} | ${s.eventsPerSecond} | ${s.maxRssMB} |`);
}
rmSync(dir, { recursive: true, force: true });
if (pgUrl) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of [`bench_src_${suffix}`, `bench_dst_${suffix}`]) await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}
