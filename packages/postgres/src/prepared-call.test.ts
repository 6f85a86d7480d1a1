import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PreparedCall, acceptsSubmittables } from './prepared-call.js';
import type { PgClientLike } from './pg-types.js';

/**
 * `PreparedCall` drives `pg`'s JavaScript client below its public API (the
 * submittable interface `pg-cursor` uses, plus the connection's record of
 * prepared statements). If a `pg` release moves any of it, appends and reads
 * would either break or silently fall back to the slower `client.query` path;
 * these checks fail first, naming what moved. No server needed.
 */
describe("PreparedCall: the pg internals it relies on (fails when a pg upgrade moves them)", () => {
  const require = createRequire(import.meta.url);
  const version = (require('pg/package.json') as { version: string }).version;

  it(`pg ${version} is a release line PreparedCall was written against (8.x)`, () => {
    expect(version.split('.')[0]).toBe('8');
  });

  it("a pg.Client's connection has the statement records and protocol methods PreparedCall uses", () => {
    const client = new pg.Client();
    const connection = (client as unknown as { connection: Record<string, unknown> }).connection;
    expect(connection, 'pg.Client#connection').toBeTypeOf('object');
    expect(connection.parsedStatements, 'connection.parsedStatements').toBeTypeOf('object');
    expect(connection.submittedNamedStatements, 'connection.submittedNamedStatements').toBeTypeOf('object');
    for (const method of ['parse', 'bind', 'execute', 'sync'] as const) {
      expect(connection[method], `connection.${method}()`).toBeTypeOf('function');
    }
    const stream = connection.stream as { cork?: unknown; uncork?: unknown };
    expect(stream.cork, 'connection.stream.cork()').toBeTypeOf('function');
    expect(stream.uncork, 'connection.stream.uncork()').toBeTypeOf('function');
    // The fast path is taken for pg's client (a miss would silently cost ~0.1 ms per append).
    expect(acceptsSubmittables(client as unknown as PgClientLike)).toBe(true);
  });

  it("every handler pg's client calls on a submittable is implemented", () => {
    const source = readFileSync(require.resolve('pg/lib/client.js'), 'utf8');
    const called = [...new Set([...source.matchAll(/activeQuery\.(handle\w+)\(/g)].map((m) => m[1]!))].sort();
    expect(called.length, 'handlers found in pg/lib/client.js').toBeGreaterThanOrEqual(8);
    const call = new PreparedCall({ name: 'guard', text: 'select 1' });
    for (const handler of called) expect((call as unknown as Record<string, unknown>)[handler], `PreparedCall#${handler}`).toBeTypeOf('function');
  });

  it("pg's client records a successful Parse under the statement name and forgets it on an error (what keeps Parse once per connection)", () => {
    const source = readFileSync(require.resolve('pg/lib/client.js'), 'utf8');
    expect(source).toMatch(/this\.connection\.parsedStatements\[activeQuery\.name\] = activeQuery\.text/);
    expect(source).toMatch(/delete this\.connection\.submittedNamedStatements\[activeQuery\.name\]/);
    expect(source).toMatch(/activeQuery\.submit\(this\.connection\)/);
  });
});
