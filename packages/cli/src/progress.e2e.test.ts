import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NewEvent } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { humanBytes } from './io/progress.js';
import { runCli } from './test-support/run-cli.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/chronicle.mjs');
const SCRIPT = '/usr/bin/script';
const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-progress-'));
const db = path.join(dir, 'p.db');

/** Runs the binary inside a pseudo-terminal (util-linux `script`), returning everything it printed. */
function inTerminal(args: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(SCRIPT, ['-qec', `${process.execPath} ${bin} ${args}`, '/dev/null'], { env: { ...process.env, CHRONICLE_PG_URL: '', CHRONICLE_NATS_URL: '' }, timeout: 60_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

describe('progress bars', () => {
  beforeAll(async () => {
    const store = createSqliteStore({ path: db });
    const events: NewEvent[] = Array.from({ length: 5_000 }, (_, n) => ({ type: 'Counted', data: { n } }));
    await store.append('counter-1', events, 'no_stream');
    await store.close();
  });

  it.skipIf(!existsSync(SCRIPT))('show rate and ETA on a terminal, and nothing with --no-progress', async () => {
    const shown = await inTerminal(`--db ${db} export ${path.join(dir, 'a.ndjson')}`);
    expect(shown).toMatch(/export .*\d+% \| [\d,]+\/5000 events \| [\d,]+\/s \| ETA /);
    const hidden = await inTerminal(`--db ${db} --no-progress export ${path.join(dir, 'b.ndjson')}`);
    expect(hidden).not.toContain('ETA');
    expect(hidden).toContain('exported 5000 events');
  }, 60_000);

  it.skipIf(!existsSync(SCRIPT))('import: the check counts the file in human units with the events read, never "0/1 bytes"', async () => {
    const file = path.join(dir, 'import.ndjson');
    expect((await runCli(['--db', db, 'export', file])).code).toBe(0);
    const shown = await inTerminal(`--db ${path.join(dir, 'imported.db')} import ${file}`);
    const size = humanBytes(statSync(file).size);
    expect(size).toMatch(/^[\d.]+ (kB|MB)$/);
    // The first frame already knows the size; the last one has read the whole file.
    expect(shown).toContain(`| 0 B/${size} | 0 events |`);
    const whole = `${size}/${size}`.replaceAll('.', '\\.');
    expect(shown).toMatch(new RegExp(`check .* 100% \\| ${whole} \\| 5,000 events \\| [\\d.]+ (B|kB|MB|GB)/s \\|`));
    expect(shown).toMatch(/import .*\d+% \| [\d,]+\/5000 events/);
    expect(shown).not.toMatch(/\d+\/\d+ bytes/);
    expect(shown).toContain('imported 5000 events');
  }, 60_000);

  it('formats byte counts in human units', () => {
    const counts = [0, 999, 1000, 2_359_296, 66_647_795, 3_200_000_000];
    expect(counts.map(humanBytes)).toEqual(['0 B', '999 B', '1 kB', '2.4 MB', '66.6 MB', '3.2 GB']);
  });

  it('stay quiet when stderr is not a terminal', async () => {
    const result = await runCli(['--db', db, 'export', path.join(dir, 'c.ndjson')]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('ETA');
    expect(result.stderr).toMatch(/^exported 5000 events/);
  }, 60_000);
});
