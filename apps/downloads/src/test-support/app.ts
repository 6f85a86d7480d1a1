import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger, type EventStore, type Logger, type StoreWithProjections } from '@chronicle/core';
import { recordContract, type ContractRecorder } from '@chronicle/server/testing';
import { createDownloadsApp, type DownloadsApp } from '../app.js';
import { defaultRules, type Rules } from '../rules.js';

export type Reply = { status: number; headers: Headers; body: any };

/** A Downloads service listening on a random loopback port, for end-to-end tests. */
export type RunningDownloads = DownloadsApp & {
  readonly url: string;
  readonly store: EventStore & StoreWithProjections<unknown>;
  readonly dataDir: string;
  /** Every response checked against the service's OpenAPI document; `stop` fails on one it does not describe. */
  readonly contract: ContractRecorder;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; now?: string; key?: string; token?: string | null; rawBody?: string; headers?: Record<string, string> },
  ): Promise<Reply>;
  stop(): Promise<void>;
};

export const TOKEN = 'downloads-test-token';

export async function startDownloads(
  store: EventStore & StoreWithProjections<unknown>,
  options: { rules?: Partial<Rules>; seedFile?: Rules; reconcileEveryMs?: number; appLogger?: Logger } = {},
): Promise<RunningDownloads> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'downloads-'));
  if (options.seedFile) writeFileSync(path.join(dataDir, 'rules.json'), JSON.stringify(options.seedFile));
  const app = await createDownloadsApp({
    store,
    token: TOKEN,
    dataDir,
    allowClockOverride: true,
    appLogger: options.appLogger ?? silentLogger,
    ...(options.reconcileEveryMs ? { reconcileEveryMs: options.reconcileEveryMs } : {}),
  });
  // Scenarios on PostgreSQL share a schema, so the rules stream may hold an earlier scenario's rules.
  if (!options.seedFile) await app.rules.replace({ ...defaultRules, ...options.rules }, { changedBy: 'test setup' });
  const contract = recordContract(app.app);
  const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...app,
    url,
    store,
    dataDir,
    contract,
    async request(method, route, { body, now, key, token = TOKEN, rawBody, headers = {} } = {}) {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: {
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(now ? { 'x-chronicle-now': now } : {}),
          ...(key ? { 'idempotency-key': key } : {}),
          ...headers,
        },
        ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // plain text
      }
      return { status: response.status, headers: response.headers, body: parsed as any };
    },
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      contract.assertClean();
    },
  };
}
