import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { damageFile, mountScratchDisk } from '@chronicle/core/testing';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killLeftoverMains, spawnMain, startMain } from './test-support/main-process.js';
import { PG_URL, pgAvailable } from './test-support/pg.js';

// A test that fails before its own kill must not leave its server running.
afterEach(killLeftoverMains);

const root = mkdtempSync(path.join(tmpdir(), 'downloads-start-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (): string => mkdtempSync(path.join(root, 'data-'));

/** main.ts fails to start: exit code 1, exactly one line on stderr (no stack trace anywhere), which it returns. */
async function failsWithOneLine(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const run = spawnMain(dataDir, env);
  const { code } = await run.exited();
  expect(code, run.output()).toBe(1);
  const lines = run.stderr().trim().split('\n');
  expect(lines, run.stderr()).toHaveLength(1);
  expect(run.output()).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(/^chronicle downloads: cannot start: /);
  return lines[0]!;
}

/** A SQLite store file under `dataDir` with enough events that damage lands in event pages. */
async function storeWithEvents(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'chronicle.db');
  const store = createSqliteStore({ path: file, synchronous: 'NORMAL' });
  for (let i = 0; i < 20; i++) await store.append(`filler-${i}`, Array.from({ length: 100 }, (_, n) => ({ type: 'Filled', data: { n, text: 'x'.repeat(500) } })), 'no_stream');
  await store.close();
  return file;
}

describe('a start that cannot succeed says what to change, in one line, and exits with 1', () => {
  it('port in use: suggests PORT', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const line = await failsWithOneLine(fresh(), { PORT: String(port) });
      expect(line).toContain(`port ${port}`);
      expect(line).toContain('PORT=');
    } finally {
      blocker.close();
    }
  });

  it('data directory that is a file, or on a read-only disk: names CHRONICLE_DATA_DIR', async () => {
    const file = path.join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    expect(await failsWithOneLine(file)).toMatch(/CHRONICLE_DATA_DIR .*not-a-dir is not a directory/);
    expect(await failsWithOneLine(path.join(file, 'below'))).toMatch(/CHRONICLE_DATA_DIR .* (cannot be created|is not a directory)/);
    const disk = mountScratchDisk(1024 * 1024, { readOnly: true });
    if (typeof disk === 'string') {
      if (process.env.CI) throw new Error(disk);
      return;
    }
    try {
      expect(await failsWithOneLine(disk.dir)).toMatch(/CHRONICLE_DATA_DIR .* is not writable \(EROFS\)/);
      expect(await failsWithOneLine(path.join(disk.dir, 'sub'))).toMatch(/CHRONICLE_DATA_DIR .* cannot be created \(EROFS\)/);
    } finally {
      disk.remove();
    }
  });

  it('a damaged or truncated SQLite store: names `chronicle verify`', async () => {
    const damaged = fresh();
    const file = await storeWithEvents(damaged);
    damageFile(file, { blocks: 20 });
    const line = await failsWithOneLine(damaged);
    expect(line).toContain(`chronicle --db ${file} verify`);
    expect(line).toContain('damaged');
    const truncated = fresh();
    const other = await storeWithEvents(truncated);
    truncateSync(other, Math.floor(statSync(other).size / 2));
    expect(await failsWithOneLine(truncated)).toContain('verify');
  });

  it('a bad setting names it (every setting: packages/server config.test.ts)', async () => {
    expect(await failsWithOneLine(fresh(), { PORT: 'eighty' })).toContain('PORT must be an integer');
    expect(await failsWithOneLine(fresh(), { CHRONICLE_PG_URL: 'localhost/test' })).toContain('CHRONICLE_PG_URL is not a URL');
    expect(await failsWithOneLine(fresh(), { CHRONICLE_NATS_URL: 'localhost:4222' })).toContain(
      'CHRONICLE_NATS_URL must be nats://',
    );
  });

  it('both CHRONICLE_PG_URL and CHRONICLE_NATS_URL: refused before anything is opened', async () => {
    const line = await failsWithOneLine(fresh(), {
      CHRONICLE_PG_URL: 'postgres://nobody@127.0.0.1:1/x',
      CHRONICLE_NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(line).toBe(
      'chronicle downloads: cannot start: ' +
        'CHRONICLE_PG_URL and CHRONICLE_NATS_URL are both set: a server runs on one store; unset one of them',
    );
  });

  it('NATS not reachable: names the seeds and CHRONICLE_NATS_URL', async () => {
    const closed = await freePort();
    const line = await failsWithOneLine(fresh(), {
      CHRONICLE_NATS_URL: `nats://127.0.0.1:${closed},nats://127.0.0.1:${closed}`,
    });
    expect(line).toContain(`NATS at nats://127.0.0.1:${closed},nats://127.0.0.1:${closed} is not reachable`);
    expect(line).toContain('CHRONICLE_NATS_URL');
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const pg = await pgAvailable();

describe.skipIf(!pg)('PostgreSQL start failures', () => {
  const url = new URL(PG_URL);
  const withDatabase = (database: string): string => {
    const copy = new URL(PG_URL);
    copy.pathname = `/${database}`;
    return copy.toString();
  };

  it('unreachable: names the address and CHRONICLE_PG_URL', async () => {
    const closed = new URL(PG_URL);
    closed.port = '1';
    const line = await failsWithOneLine(fresh(), { CHRONICLE_PG_URL: closed.toString() });
    expect(line).toContain(`PostgreSQL at ${closed.hostname}:1 is not reachable`);
    expect(line).toContain('CHRONICLE_PG_URL');
  });

  it('a database that does not exist: says how to create it', async () => {
    const database = `missing_${randomUUID().slice(0, 8)}`;
    const line = await failsWithOneLine(fresh(), { CHRONICLE_PG_URL: withDatabase(database) });
    expect(line).toContain(`database "${database}" does not exist`);
    expect(line).toContain(`createdb -h ${url.hostname}`);
  });

  it('an unknown host or user: names it', async () => {
    const host = new URL(PG_URL);
    host.hostname = 'no-such-host.invalid';
    expect(await failsWithOneLine(fresh(), { CHRONICLE_PG_URL: host.toString() })).toContain('"no-such-host.invalid"');
    const user = new URL(PG_URL);
    user.username = 'nobody_at_all';
    user.password = 'secret';
    const line = await failsWithOneLine(fresh(), { CHRONICLE_PG_URL: user.toString() });
    expect(line).toContain('"nobody_at_all"');
    expect(line).not.toContain('secret');
  });
});

describe('the token line', () => {
  it('is printed on every start: the value when generated, the path after, also when the first start failed after generating it', async () => {
    const dataDir = fresh();
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    await failsWithOneLine(dataDir, { PORT: String(port) });
    blocker.close();
    const tokenFile = path.join(dataDir, 'api-token');
    expect(existsSync(tokenFile)).toBe(true);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    const second = await startMain(dataDir);
    try {
      expect(second.output()).toContain(`API token: in ${tokenFile}`);
      const write = await fetch(`${second.url}/v1/streams/token-check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ events: [{ type: 'Checked', data: {} }] }),
      });
      expect(write.status).toBe(201);
    } finally {
      second.child.kill('SIGTERM');
      expect((await second.exited()).code).toBe(0);
    }
    const fromEnv = await startMain(fresh(), { CHRONICLE_API_TOKEN: 'given-token' });
    expect(fromEnv.output()).toContain('API token: from CHRONICLE_API_TOKEN');
    fromEnv.child.kill('SIGTERM');
    await fromEnv.exited();
  });
});
