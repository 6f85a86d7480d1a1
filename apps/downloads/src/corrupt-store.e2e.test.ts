import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { damageFile } from '@chronicle/core/testing';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { startDownloads } from './test-support/app.js';

const dir = mkdtempSync(path.join(tmpdir(), 'downloads-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a SQLite page damaged while the server runs', () => {
  it('reads that meet it answer 503 STORE_CORRUPT (never 500), and /health turns degraded', async () => {
    const file = path.join(dir, 'chronicle.db');
    const filling = createSqliteStore({ path: file, synchronous: 'NORMAL' });
    for (let i = 0; i < 20; i++) await filling.append(`filler-${i}`, Array.from({ length: 100 }, (_, n) => ({ type: 'Filled', data: { n, text: 'x'.repeat(500) } })), 'no_stream');
    await filling.close();
    const store = createSqliteStore({ path: file }) as EventStore & StoreWithProjections<unknown>;
    const d = await startDownloads(store);
    try {
      expect((await d.request('GET', '/health')).body.status).toBe('ok');
      damageFile(file, { blocks: 20 });
      const statuses = new Map<number, number>();
      let corrupt: { body: any; headers: Headers } | undefined;
      for (let from = 1; from <= 2_000; from += 100) {
        const reply = await d.request('GET', `/v1/all?from=${from}&limit=100`);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status === 503) corrupt ??= reply;
        for (let i = 0; i < 20; i += 7) {
          const stream = await d.request('GET', `/v1/streams/filler-${i}`);
          statuses.set(stream.status, (statuses.get(stream.status) ?? 0) + 1);
        }
      }
      expect([...statuses.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
      expect(statuses.get(503), JSON.stringify([...statuses])).toBeGreaterThan(0);
      expect(corrupt!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(corrupt!.body).toMatchObject({ status: 503, code: 'STORE_CORRUPT', requestId: expect.any(String) });
      expect(corrupt!.body.detail).toContain('chronicle verify');
      expect(corrupt!.headers.get('retry-after')).toBeNull();
      const health = await d.request('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'degraded', store: 'sqlite', problems: [{ code: 'STORE_CORRUPT', detail: expect.any(String), since: expect.any(String) }] });
    } finally {
      await d.stop();
      await store.close();
    }
  });
});
