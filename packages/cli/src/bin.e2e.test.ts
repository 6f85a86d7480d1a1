import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '@chronicle/sqlite';
import { describe, expect, it } from 'vitest';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/chronicle.mjs');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // From an unrelated directory: the binary must find its own dependencies.
  const cwd = mkdtempSync(path.join(tmpdir(), 'chronicle-bin-cwd-'));
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CHRONICLE_PG_URL: '', CHRONICLE_NATS_URL: '' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

describe('bin/chronicle.mjs', () => {
  it('runs the CLI and passes its output and exit code through', async () => {
    const version = await run(['--version']);
    expect([version.code, version.stdout.trim()]).toEqual([0, '0.1.0']);
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'chronicle-bin-')), 'x.db');
    const noStore = await run(['--db', db, 'read', 'nope']);
    expect([noStore.code, noStore.stderr.trim()]).toEqual([2, `chronicle: no such store: ${db} (no such file; chronicle import creates a store)`]);
    await createSqliteStore({ path: db }).close();
    const missing = await run(['--db', db, 'read', 'nope']);
    expect([missing.code, missing.stderr.trim()]).toEqual([3, 'chronicle: STREAM_NOT_FOUND: stream "nope" not found']);
    const noModule = await run(['--db', db, '--app', './missing.mjs', 'dump', '--customer', 'c1']);
    expect([noModule.code, noModule.stderr.trim()]).toEqual([2, 'chronicle: module not found: ./missing.mjs']);
    const help = await run(['export', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('$ chronicle export events.ndjson');
  }, 60_000);

  it('stops quietly when the reader of its output goes away (export | head -1)', async () => {
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'chronicle-bin-')), 'pipe.db');
    const store = createSqliteStore({ path: db });
    for (let i = 0; i < 20; i++) await store.append(`s-${i}`, Array.from({ length: 100 }, (_, n) => ({ type: 'Filled', data: { n, pad: 'x'.repeat(200) } })), 'no_stream');
    await store.close();
    // 2,000 events (> 400 KB) cannot fit in a pipe's buffer, so the writer meets the closed pipe.
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --db "${db}" export 2>"${db}.err" | head -1; cat "${db}.err"`], {
      encoding: 'utf8',
      env: { ...process.env, CHRONICLE_PG_URL: '', CHRONICLE_NATS_URL: '' },
      timeout: 60_000,
    });
    const [first, ...rest] = result.stdout.trim().split('\n');
    expect(JSON.parse(first!)).toMatchObject({ streamId: 's-0', streamPosition: 1 });
    expect(rest.join('\n')).not.toMatch(/EPIPE|Unhandled|Error/);
  }, 60_000);
});
