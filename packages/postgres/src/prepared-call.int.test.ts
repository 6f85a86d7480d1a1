import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PreparedCall, callForValue, callReturningArray, parseBigintArray, queryRows, textParameter } from './prepared-call.js';
import type { PgClientLike } from './pg-types.js';
import { PG_URL, pgAvailable } from './test/pg-test-support.js';

const available = await pgAvailable();

describe('textParameter and parseBigintArray (no server)', () => {
  it('encodes arrays as PostgreSQL array literals, quoting every element', () => {
    expect(textParameter(['a', 'b"c', 'd\\e', null, ''])).toBe('{"a","b\\"c","d\\\\e",NULL,""}');
    expect(textParameter([1, -2])).toBe('{"1","-2"}');
    expect(textParameter(5)).toBe('5');
    expect(textParameter(null)).toBeNull();
    expect(textParameter(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    expect(textParameter({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(textParameter(true)).toBe('true');
  });

  it('reads an int8[] in text form', () => {
    expect(parseBigintArray('{12,-3,0}')).toEqual([12, -3, 0]);
    expect(parseBigintArray('{}')).toEqual([]);
  });
});

const tricky = ['plain', 'quote " inside', 'back\\slash', '{braces,and,commas}', 'NULL', ' spaced ', 'ünïcødé ✓ 🚀', '\\u0000 escaped', '', 'tab\tnew\nline'];

if (available) {
  describe('PreparedCall against PostgreSQL', () => {
    const client = new pg.Client({ connectionString: PG_URL });
    const asLike = client as unknown as PgClientLike;
    const name = (label: string): string => `chr_test_${label}_${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      await client.connect();
    });
    afterAll(async () => {
      await client.end();
    });

    it('round-trips text arrays with quotes, backslashes, braces, NULL and non-ASCII exactly', async () => {
      const statement = { name: name('roundtrip'), text: 'select array_to_json($1::text[])::text' };
      const values = [...tricky, null];
      const json = await callForValue(asLike, { ...statement, values: [values] });
      expect(JSON.parse(json as string)).toEqual(values);
    });

    it('returns an int8[] as numbers, and a void result as empty text', async () => {
      await expect(callReturningArray(asLike, { name: name('ints'), text: 'select array[$1::int8, $2::int8, -7]', values: [41, 0] })).resolves.toEqual([41, 0, -7]);
      await expect(callForValue(asLike, { name: name('void'), text: 'select pg_notify($1, $2)', values: ['chr_test_channel', 'x'] })).resolves.toBe('');
    });

    it('prepares a statement once per connection and reuses it, through the submittable (not the client.query fallback)', async () => {
      const statement = { name: name('reuse'), text: 'select $1::int8 + 1' };
      const submit = vi.spyOn(PreparedCall.prototype, 'submit');
      try {
        for (let i = 0; i < 3; i++) await expect(callForValue(asLike, { ...statement, values: [i] })).resolves.toBe(String(i + 1));
        expect(submit).toHaveBeenCalledTimes(3);
      } finally {
        submit.mockRestore();
      }
      const connection = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
      expect(connection.parsedStatements[statement.name]).toBe(statement.text);
      const prepared = await client.query('select count(*)::int as n from pg_prepared_statements where name = $1', [statement.name]);
      expect(prepared.rows[0]).toEqual({ n: 1 });
    });

    it('rejects with the server error (code and detail) and leaves the connection usable', async () => {
      const failing = { name: name('fail'), text: 'select 1 / $1::int8' };
      await expect(callForValue(asLike, { ...failing, values: [0] })).rejects.toMatchObject({ code: '22012' });
      await expect(callForValue(asLike, { ...failing, values: [1] })).resolves.toBe('1');
      const badText = { name: name('bad'), text: 'select from nowhere where' };
      await expect(callForValue(asLike, { ...badText, values: [] })).rejects.toMatchObject({ code: '42601' });
      await expect(client.query('select 2 as two')).resolves.toMatchObject({ rows: [{ two: 2 }] });
    });

    it('queryRows returns every row as text columns (NULL as null, booleans as t/f), and no rows as []', async () => {
      const statement = {
        name: name('rows'),
        text: `select n::int8, 'row ' || n, null::text, n % 2 = 0, ('{"n":' || n || '}')::json::text from generate_series(1, $1::int) n`,
      };
      await expect(queryRows(asLike, { ...statement, values: [3] })).resolves.toEqual([
        ['1', 'row 1', null, 'f', '{"n":1}'],
        ['2', 'row 2', null, 't', '{"n":2}'],
        ['3', 'row 3', null, 'f', '{"n":3}'],
      ]);
      await expect(queryRows(asLike, { ...statement, values: [0] })).resolves.toEqual([]);
      // Unnamed statements go through client.query, which parses the types.
      await expect(queryRows(asLike, { text: 'select 1::int4, true' })).resolves.toEqual([[1, true]]);
    });

    it('rejects when the connection dies mid-call', async () => {
      const victim = new pg.Client({ connectionString: PG_URL });
      victim.on('error', () => undefined);
      await victim.connect();
      const pid = (victim as unknown as { processID: number }).processID;
      const pending = callForValue(victim as unknown as PgClientLike, { name: name('sleep'), text: 'select pg_sleep($1)::text', values: [5] });
      // Handled from the start: the victim's rejection may arrive before the terminating query's answer.
      const outcome = pending.then(
        () => undefined,
        (error: unknown) => error,
      );
      // Terminate only once the call is running in the backend (no fixed sleep: a loaded machine may not be there yet).
      for (let running = false; !running; ) {
        const { rows } = await client.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where pid = $1 and state = 'active' and query like '%pg_sleep%'",
          [pid],
        );
        running = rows[0]!.n !== '0';
        if (!running) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.query('select pg_terminate_backend($1)', [pid]);
      expect(await outcome).toBeInstanceOf(Error);
      await victim.end().catch(() => undefined);
    });
  });
} else {
  describe.skip('PreparedCall against PostgreSQL (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => undefined);
  });
}
