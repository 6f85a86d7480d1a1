/**
 * Benchmark: export N events from a SQLite store with the real `chronicle`
 * binary, then import them into an empty store; prints events/s and the CLI
 * process's peak RSS for each step.
 *
 *   node --conditions=@chronicle/source --import tsx packages/cli/src/bench/export-import.ts [events=1000000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NewEvent, StreamAppend } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';

const total = Number(process.argv[2] ?? 1_000_000);
const STREAMS_PER_BATCH = 100;
const EVENTS_PER_STREAM = 10;
const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-bench-'));
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/chronicle.mjs');

const seedStarted = Date.now();
const source = createSqliteStore({ path: path.join(dir, 'source.db'), synchronous: 'NORMAL' });
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
const exported = run(['--db', path.join(dir, 'source.db'), 'export', file]);
const imported = run(['--db', path.join(dir, 'target.db'), 'import', file]);
console.log(`file: ${(statSync(file).size / 1e6).toFixed(0)} MB`);
console.log('| step   | events    | seconds | events/s | peak RSS (MB) |');
console.log('|--------|-----------|---------|----------|---------------|');
for (const [step, s] of [['export', exported], ['import', imported]] as const) {
  console.log(`| ${step} | ${total} | ${s.seconds.toFixed(1)} | ${s.eventsPerSecond} | ${s.maxRssMB} |`);
}
rmSync(dir, { recursive: true, force: true });
