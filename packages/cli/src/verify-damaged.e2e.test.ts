import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { damageFile } from '@chronicle/core/testing';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chronicle verify on a damaged SQLite file', () => {
  it('reports what SQLite found, page by page, and exits with 1 (the store itself refuses to open the file)', async () => {
    const file = path.join(dir, 'chronicle.db');
    const store = createSqliteStore({ path: file, synchronous: 'NORMAL' });
    for (let i = 0; i < 20; i++) await store.append(`s-${i}`, Array.from({ length: 100 }, (_, n) => ({ type: 'Filled', data: { n, text: 'x'.repeat(500) } })), 'no_stream');
    await store.close();
    expect((await runCli(['--db', file, 'verify'])).code).toBe(0);
    damageFile(file, { blocks: 20 });
    const run = await runCli(['--db', file, 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('the file is damaged (SQLite integrity_check)');
    expect(run.stdout).toMatch(/  ✗ \S/);
    const json = await runCli(['--db', file, 'verify', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, damaged: true, problems: expect.arrayContaining([expect.any(String)]) });
  });
});
