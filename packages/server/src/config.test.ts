import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerConfig, tokenLine } from './config.js';
import { StartupError, describeStartFailure } from './start/start-failure.js';

const root = mkdtempSync(path.join(tmpdir(), 'server-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (): string => mkdtempSync(path.join(root, 'data-'));

function refused(env: NodeJS.ProcessEnv): StartupError {
  try {
    loadServerConfig({ CHRONICLE_DATA_DIR: fresh(), ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).not.toContain('\n');
    return error as StartupError;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadServerConfig', () => {
  it('refuses settings it cannot honour, naming them, in one line', () => {
    expect(refused({ PORT: '70000' }).message).toContain('PORT must be an integer from 0 to 65535');
    expect(refused({ CHRONICLE_PG_URL: 'mysql://db/test' }).message).toContain('CHRONICLE_PG_URL must start with postgres://');
    expect(refused({ CHRONICLE_PG_URL: 'postgres://u:hunter2@[bad' }).message).not.toContain('hunter2');
    expect(refused({ CHRONICLE_API_TOKEN: 'two words' }).message).toContain('CHRONICLE_API_TOKEN');
    expect(refused({ CHRONICLE_SSE_MAX_SUBSCRIBERS: '-1' }).message).toContain('CHRONICLE_SSE_MAX_SUBSCRIBERS');
    expect(refused({ CHRONICLE_SSE_BUFFER_BYTES: 'lots' }).message).toContain('CHRONICLE_SSE_BUFFER_BYTES');
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(refused({ CHRONICLE_DATA_DIR: file }).reason).toBe('DATA_DIR');
  });

  it('runs on exactly one store: both store URLs, bad NATS seeds and NATS settings without NATS are refused', () => {
    const both = refused({ CHRONICLE_PG_URL: 'postgres://u@db/app', CHRONICLE_NATS_URL: 'nats://n1:4222' });
    expect(both.message).toBe(
      'CHRONICLE_PG_URL and CHRONICLE_NATS_URL are both set: a server runs on one store; unset one of them',
    );
    expect(refused({ CHRONICLE_NATS_URL: 'http://n1:4222' }).reason).toBe('NATS_URL');
    expect(refused({ CHRONICLE_NATS_URL: 'nats://n1:4222,,nats://n2:4222' }).reason).toBe('NATS_URL');
    expect(refused({ CHRONICLE_NATS_URL: 'n1:4222' }).reason).toBe('NATS_URL');
    expect(refused({ CHRONICLE_NATS_URL: 'nats://u:hunter2@n1:4222/x' }).message).not.toContain('hunter2');
    expect(refused({ CHRONICLE_NATS_REPLICAS: '3' }).message).toContain(
      'CHRONICLE_NATS_REPLICAS is set but CHRONICLE_NATS_URL is not',
    );
    expect(refused({ CHRONICLE_NATS_STREAM: 'X' }).message).toContain(
      'CHRONICLE_NATS_STREAM is set but CHRONICLE_NATS_URL is not',
    );
    expect(refused({ CHRONICLE_NATS_URL: 'nats://n1', CHRONICLE_NATS_REPLICAS: '7' }).message).toContain(
      'CHRONICLE_NATS_REPLICAS must be an integer from 1 to 5',
    );
    expect(refused({ CHRONICLE_NATS_URL: 'nats://n1', CHRONICLE_NATS_STREAM: 'a.b' }).message).toContain(
      'CHRONICLE_NATS_STREAM',
    );
  });

  it('reads the NATS seeds, stream and replicas', () => {
    const config = loadServerConfig({
      CHRONICLE_DATA_DIR: fresh(),
      CHRONICLE_NATS_URL: 'nats://n1:4222, nats://n2:4222,tls://n3:4222',
    });
    expect(config.pgUrl).toBeUndefined();
    expect(config.nats).toEqual({
      servers: ['nats://n1:4222', 'nats://n2:4222', 'tls://n3:4222'],
      stream: 'CHRONICLE',
      subjectPrefix: 'chronicle',
      replicas: undefined,
    });
    const named = loadServerConfig({
      CHRONICLE_DATA_DIR: fresh(),
      CHRONICLE_NATS_URL: 'nats://n1',
      CHRONICLE_NATS_STREAM: 'Shop_1',
      CHRONICLE_NATS_REPLICAS: '3',
    });
    expect(named.nats).toEqual({ servers: ['nats://n1'], stream: 'Shop_1', subjectPrefix: 'shop_1', replicas: 3 });
    expect(loadServerConfig({ CHRONICLE_DATA_DIR: fresh() }).nats).toBeUndefined();
  });

  it('reads the SSE bounds', () => {
    const config = loadServerConfig({ CHRONICLE_DATA_DIR: fresh(), CHRONICLE_SSE_MAX_SUBSCRIBERS: '5', CHRONICLE_SSE_BUFFER_BYTES: '65536', CHRONICLE_SSE_STALL_TIMEOUT_MS: '500' });
    expect(config.sse).toEqual({ maxSubscribers: 5, bufferBytes: 65_536, stallTimeoutMs: 500 });
  });

  it('generates the token once, atomically, mode 600; later starts read it; the token line says where it is', () => {
    const dataDir = fresh();
    const first = loadServerConfig({ CHRONICLE_DATA_DIR: dataDir });
    expect(first.tokenSource).toBe('generated');
    const file = path.join(dataDir, 'api-token');
    expect(readFileSync(file, 'utf8')).toBe(`${first.token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(tokenLine(first)).toBe(`  API token (saved in ${file}): ${first.token}`);
    const second = loadServerConfig({ CHRONICLE_DATA_DIR: dataDir });
    expect(second).toMatchObject({ token: first.token, tokenSource: 'file' });
    expect(tokenLine(second)).toBe(`  API token: in ${file} (cat it; or set CHRONICLE_API_TOKEN)`);
    expect(tokenLine(loadServerConfig({ CHRONICLE_DATA_DIR: dataDir, CHRONICLE_API_TOKEN: 'abc' }))).toBe('  API token: from CHRONICLE_API_TOKEN');
  });
});

describe('describeStartFailure', () => {
  it('turns the errors of a start into one line saying what to change', () => {
    const listen = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000'), { code: 'EADDRINUSE' });
    expect(describeStartFailure(listen, { port: 3000, host: '127.0.0.1' })).toBe(
      'port 3000 on 127.0.0.1 is already in use: stop the other process, or set PORT to a free port (e.g. PORT=3001)',
    );
    const missing = Object.assign(new Error('postgres: database "shop" does not exist'), { code: 'STORE_UNAVAILABLE', cause: { code: '3D000' } });
    expect(describeStartFailure(missing, { pgUrl: 'postgres://app:pw@db.local:5433/shop' })).toContain('createdb -h db.local -p 5433 -U app shop');
    const corrupt = Object.assign(new Error('sqlite: /d/chronicle.db is damaged: Tree 4 page 9: btreeInitPage() returns error code 11'), { code: 'STORE_CORRUPT' });
    expect(describeStartFailure(corrupt, { sqliteFile: '/d/chronicle.db' })).toMatch(/^the store \/d\/chronicle.db is damaged .*: run `npx chronicle --db \/d\/chronicle.db verify`/);
    const unreachable = Object.assign(
      new Error('cannot connect to NATS at nats://n1:4222, nats://n2:4222: connection refused'),
      {
        code: 'STORE_UNAVAILABLE',
        cause: new Error('connection refused'),
      },
    );
    expect(describeStartFailure(unreachable, { natsUrl: 'nats://n1:4222,nats://u:pw@n2:4222' })).toBe(
      'NATS at nats://n1:4222,nats://u:***@n2:4222 is not reachable (connection refused): ' +
        'start it, or set CHRONICLE_NATS_URL to reachable servers',
    );
    expect(describeStartFailure(new Error('first line\n    at somewhere'))).toBe('first line');
  });
});
