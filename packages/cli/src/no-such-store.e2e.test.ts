import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteStore } from '@chronicle/sqlite';
import { PG_URL, adminQuery, dropSchema, pgAvailable, testSchema } from '@chronicle/postgres/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

// Read-only commands never create a store: a mistyped --db or --schema is "no such store", exit 2.
const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-nostore-'));
const pg = await pgAvailable('@chronicle/cli no such store');

describe('a store that is not there', () => {
  it('SQLite: read-only commands on a mistyped --db say "no such store" and create no file', async () => {
    const typo = path.join(dir, 'sub', 'chronicel.db');
    const out = path.join(dir, 'out.ndjson');
    const commands = [['streams'], ['read', 'license-1'], ['export', out], ['verify'], ['projections', 'list']];
    const refusal = `chronicle: no such store: ${typo} (no such file; chronicle import creates a store)`;
    for (const args of commands) {
      const run = await runCli(['--db', typo, ...args]);
      expect([run.code, run.stderr.trim()], args.join(' ')).toEqual([2, refusal]);
      expect(run.stdout).toBe('');
    }
    expect(existsSync(typo)).toBe(false);
    expect(existsSync(path.dirname(typo))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);

  it('SQLite: an existing store is read, and import still creates a new one', async () => {
    const db = path.join(dir, 'real.db');
    const store = createSqliteStore({ path: db });
    await store.append('counter-1', [{ type: 'Counted', data: { n: 1 } }], 'no_stream');
    await store.close();
    const listed = await runCli(['--db', db, 'streams']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^counter-1\s+1$/m);
    const file = path.join(dir, 'events.ndjson');
    expect((await runCli(['--db', db, 'export', file])).code).toBe(0);
    const copy = path.join(dir, 'copy', 'copy.db');
    const imported = await runCli(['--db', copy, '--no-progress', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await runCli(['--db', copy, 'streams'])).stdout).toMatch(/^counter-1\s+1$/m);
  }, 120_000);

  describe.skipIf(!pg)('PostgreSQL', () => {
    const schema = testSchema('cli_nosuch');
    afterAll(() => dropSchema(schema));

    it('--schema nosuch says "no such store" and creates no schema', async () => {
      const run = await runCli(['--pg', PG_URL, '--schema', schema, 'streams']);
      expect(run.code).toBe(2);
      const refusal = `^chronicle: no such store: .* \\(schema ${schema}\\) \\(no Chronicle store in schema ${schema}; `;
      expect(run.stderr.trim()).toMatch(new RegExp(refusal));
      const found = await adminQuery('select count(*)::int as n from pg_namespace where nspname = $1', [schema]);
      expect(found.rows[0]).toEqual({ n: 0 });
    }, 60_000);
  });
});
