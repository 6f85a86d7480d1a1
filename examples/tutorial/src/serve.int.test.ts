import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { serveGiftCards } from './serve.js';

describe('README step 5: the gift cards over HTTP, on a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-tutorial-http-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends with the token, folds the state, travels in time, serves the explorer', async () => {
    const store = createSqliteStore({ path: join(dir, 'gift-cards.db') });
    const app = await serveGiftCards(store, 'change-me');
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const post = (body: unknown, token?: string): Promise<Response> =>
        fetch(`${base}/v1/streams/gift-card-7`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
      const issue = { events: [{ type: 'GiftCardIssued', data: { amount: 25 } }], expectedVersion: 'no_stream' };
      expect((await post(issue)).status).toBe(401);
      const created = await post(issue, 'change-me');
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ nextExpectedVersion: 1 });
      expect((await post({ events: [{ type: 'GiftCardRedeemed', data: { amount: 10 } }], expectedVersion: 1 }, 'change-me')).status).toBe(201);
      expect((await post(issue, 'change-me')).status).toBe(409);

      const now = (await (await fetch(`${base}/v1/streams/gift-card-7/state`)).json()) as { state: unknown };
      expect(now.state).toEqual({ issued: true, balance: 15 });
      const then = (await (await fetch(`${base}/v1/streams/gift-card-7/state?version=1`)).json()) as { state: unknown };
      expect(then.state).toEqual({ issued: true, balance: 25 });

      const explorer = await fetch(`${base}/explorer/`);
      expect(explorer.status).toBe(200);
      expect(await explorer.text()).toContain('<div id="root">');
    } finally {
      await app.close();
      await store.close();
    }
  });
});
