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
    expect(describeStartFailure(new Error('first line\n    at somewhere'))).toBe('first line');
  });
});
