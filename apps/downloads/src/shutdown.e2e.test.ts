import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killLeftoverMains, startMain, type RunningMain } from './test-support/main-process.js';

// A test that fails before its own kill must not leave its server running.
afterEach(killLeftoverMains);

const root = mkdtempSync(path.join(tmpdir(), 'downloads-shutdown-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An SSE reader: resolves `ended` when the server ends the stream. */
async function follow(url: string): Promise<{ ended: Promise<void> }> {
  const response = await fetch(`${url}/v1/subscribe`);
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return;
    } catch {
      // a reset ends it too
    }
  })();
  return { ended };
}

/** A client that opened an event stream and never reads from it. */
async function neverReads(url: string): Promise<void> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write('GET /v1/subscribe HTTP/1.1\r\nhost: x\r\n\r\n');
  await once(socket, 'data');
  socket.pause();
}

async function stop(server: RunningMain, signal: NodeJS.Signals): Promise<{ code: number | null; afterMs: number }> {
  const since = Date.now();
  server.child.kill(signal);
  return server.exited(since);
}

describe('SIGTERM / SIGINT with clients connected', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: event streams end, the process exits 0 within 5 s`, async () => {
      const server = await startMain(mkdtempSync(path.join(root, 'data-')));
      const readers = await Promise.all([follow(server.url), follow(server.url), follow(server.url)]);
      await neverReads(server.url);
      const { code, afterMs } = await stop(server, signal);
      expect(code, server.output()).toBe(0);
      expect(afterMs).toBeLessThan(5_000);
      await Promise.all(readers.map((r) => r.ended));
      expect(server.output()).not.toMatch(/Unhandled|uncaught|\n\s+at /i);
    });
  }
});

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

describe('SIGTERM while the store is failing', () => {
  it('exits 0 within 5 s while another process holds the SQLite file locked and requests wait on it', async () => {
    const dataDir = mkdtempSync(path.join(root, 'data-'));
    const server = await startMain(dataDir, { LOG_LEVEL: 'error' });
    const script = `
      const Database = require(process.argv[1]);
      const db = new Database(process.argv[2]);
      db.exec('BEGIN EXCLUSIVE');
      process.stdout.write('locked\\n');
      setInterval(() => {}, 60000);`;
    const locker: ChildProcess = spawn(process.execPath, ['-e', script, betterSqlite, path.join(dataDir, 'chronicle.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(locker.stdout!, 'data');
      const readers = await Promise.all([follow(server.url), follow(server.url)]);
      // Requests in flight against the locked store while the signal comes.
      const inFlight = Array.from({ length: 5 }, (_, i) =>
        fetch(`${server.url}/v1/licenses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ customerId: `c${i}`, deviceId: 'd', titleId: 't', studioId: 's' }),
        }).then(
          (r) => r.status,
          () => 0,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { code, afterMs } = await stop(server, 'SIGTERM');
      expect(code, server.output()).toBe(0);
      expect(afterMs).toBeLessThan(5_000);
      await Promise.all(readers.map((r) => r.ended));
      // Answered (fallback grants or 503s) or cut by the exit; never a 500.
      for (const status of await Promise.all(inFlight)) expect([0, 201, 503]).toContain(status);
      expect(server.output()).not.toMatch(/Unhandled|uncaught|\n\s+at /i);
    } finally {
      locker.kill('SIGKILL');
    }
  }, 30_000);
});
