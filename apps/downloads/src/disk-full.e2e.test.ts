import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mountScratchDisk } from '@chronicle/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftoverMains, startMain } from './test-support/main-process.js';

// A test that fails before its own kill must not leave its server running.
afterEach(killLeftoverMains);

const disk = mountScratchDisk(5 * 1024 * 1024);
const unavailable = typeof disk === 'string' ? disk : undefined;
if (unavailable && process.env.CI) throw new Error(unavailable);

/** Every file under `dir`, with its size. */
function files(dir: string): Record<string, number> {
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => [name, statSync(path.join(dir, name)).size]));
}

describe.skipIf(unavailable !== undefined)('disk full (a 5 MB tmpfs as CHRONICLE_DATA_DIR)', () => {
  it('appends answer 503, acquisitions 503 or a flagged fallback grant, never 500; no file is left torn; SIGTERM exits 0', async () => {
    if (typeof disk === 'string') return;
    const dataDir = path.join(disk.dir, 'data');
    try {
      const server = await startMain(dataDir);
      const token = readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
      const post = (route: string, body: unknown, auth = false) =>
        fetch(`${server.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown>, fallback: r.headers.get('x-chronicle-fallback') }));
      const statuses: number[] = [];
      let accepted = 0;
      // Fill the disk through the API: 100 KB events until the store refuses.
      for (let i = 0; i < 200; i++) {
        const reply = await post('/v1/streams/filler', { events: [{ type: 'Filled', data: { i, text: 'x'.repeat(100_000) } }] }, true);
        statuses.push(reply.status);
        if (reply.status === 201) accepted++;
        if (reply.status === 503) {
          expect(reply.body).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, requestId: expect.any(String) });
          break;
        }
      }
      expect(statuses.at(-1), JSON.stringify(statuses)).toBe(503);
      const acquire = (n: number) => post('/v1/licenses', { customerId: `full-${n}`, deviceId: 'd', titleId: 't', studioId: 's' });
      const outcomes = [];
      for (let n = 0; n < 5; n++) outcomes.push(await acquire(n));
      // Then take what space is left, so the fallback journal cannot be written either.
      try {
        writeFileSync(path.join(disk.dir, 'filler'), Buffer.alloc(8 * 1024 * 1024));
      } catch {
        // ENOSPC: the disk is full now
      }
      for (let n = 5; n < 10; n++) outcomes.push(await acquire(n));
      for (const reply of outcomes) {
        if (reply.status === 201) {
          // A grant while the store cannot write is flagged as the fallback's.
          if (reply.body.fallback !== undefined) expect(reply.fallback).toBe('store-unavailable');
        } else {
          expect(reply.status, JSON.stringify(reply.body)).toBe(503);
          expect(reply.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        }
      }
      expect(outcomes.at(-1)!.status).toBe(503);
      expect(String(outcomes.at(-1)!.body.detail)).toContain('fallback journal could not be written (ENOSPC)');
      const health = await fetch(`${server.url}/health`);
      expect(health.status).not.toBe(500);

      const since = Date.now();
      server.child.kill('SIGTERM');
      const { code, afterMs } = await server.exited(since);
      expect(code, server.output()).toBe(0);
      expect(afterMs).toBeLessThan(5_000);
      expect(server.output()).not.toMatch(/Unhandled|uncaught|\n\s+at /i);

      // Nothing torn: no empty file, no temporary file; the token is intact.
      const left = files(dataDir);
      expect(Object.keys(left).filter((name) => name.includes('.tmp') || name.startsWith('.write-check'))).toEqual([]);
      expect(Object.entries(left).filter(([name, size]) => size === 0 && !name.endsWith('-wal') && !name.endsWith('-shm'))).toEqual([]);
      expect(readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim()).toBe(token);

      // With space again, the store holds exactly what was acknowledged, and the fallback grants are written back.
      rmSync(path.join(disk.dir, 'filler'), { force: true });
      disk.resize(64 * 1024 * 1024);
      const again = await startMain(dataDir);
      try {
        const stream = (await (await fetch(`${again.url}/v1/streams/filler?limit=1000`)).json()) as { events: unknown[] };
        expect(stream.events).toHaveLength(accepted);
        const granted = outcomes.filter((o) => o.status === 201 && o.body.fallback === true).map((o) => o.body.licenseId as string);
        for (const licenseId of granted) {
          await expect.poll(async () => (await fetch(`${again.url}/v1/streams/license-${licenseId}`)).status, { timeout: 15_000 }).toBe(200);
        }
      } finally {
        again.child.kill('SIGTERM');
        await again.exited();
      }
    } finally {
      disk.remove();
    }
  }, 90_000);
});
