import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInMemoryStore, silentLogger, withEventSchemas, type EventSchemas, type EventStore, type NewEvent, type StoreWithProjections } from '@chronicle/core';
// The explorer's browser tests drive the real Downloads service, the flagship app it was built for.
import { createDownloadsApp, type DownloadsApp } from '../../../../apps/downloads/src/app.js';
import { loadDemoHistory } from '../../../../apps/downloads/src/demo.js';
import { defaultRules } from '../../../../apps/downloads/src/rules.js';
import type { SseOptions } from '@chronicle/server';
import { explorerPlugin } from '../explorer-plugin.js';

/** The token the test server accepts. */
export const TEST_TOKEN = 'explorer-test-token';

/** An event type at schema version 2, whose version-1 events are upcast on read (the "stored as v1" badge). */
export const profileSchemas: EventSchemas = {
  ProfileUpdated: {
    version: 2,
    upcasters: { 1: (event) => ({ type: 'ProfileUpdated', data: { ...(event.data as object), locale: 'en-US' } }) },
  },
};

/** Options of {@link startExplorerServer}. */
export type ExplorerServerOptions = {
  /** The store to serve (default: a fresh in-memory store). Any store with a projection host fits. */
  readonly store?: EventStore & StoreWithProjections<unknown>;
  /** Load the Downloads demo history (bailey, sam, alex) — default true. */
  readonly demo?: boolean;
  /** Append one stream of this many small events first. */
  readonly largeStream?: { readonly streamId: string; readonly events: number };
  /** Bounds of `GET /v1/subscribe` (the server's defaults otherwise). */
  readonly sse?: SseOptions;
};

/** A Downloads service with the explorer, listening on a loopback port. */
export type ExplorerServer = {
  readonly url: string;
  /** Where the explorer is served. */
  readonly explorerUrl: string;
  readonly store: EventStore & StoreWithProjections<unknown>;
  readonly downloads: DownloadsApp;
  append(streamId: string, events: readonly NewEvent[]): Promise<void>;
  close(): Promise<void>;
};

/** Starts the real Downloads app with the explorer plugin on 127.0.0.1:0, seeded as asked. */
export async function startExplorerServer(options: ExplorerServerOptions = {}): Promise<ExplorerServer> {
  const raw = options.store ?? createInMemoryStore();
  // A legacy profile event written before ProfileUpdated had version 2.
  await raw.append('profile-bailey', [{ type: 'ProfileUpdated', data: { displayName: 'Bailey' } }], 'any');
  const store = withEventSchemas(raw, profileSchemas);
  if (options.largeStream) {
    const { streamId, events } = options.largeStream;
    for (let from = 0; from < events; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, events - from) }, (_, i) => ({ type: 'Tick', data: { n: from + i + 1 } }));
      await raw.append(streamId, batch, 'any');
    }
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'explorer-'));
  const downloads = await createDownloadsApp({
    store,
    token: TEST_TOKEN,
    dataDir,
    rulesSeed: defaultRules,
    ...(options.sse ? { sse: options.sse } : {}),
    appLogger: silentLogger,
    plugins: [explorerPlugin()],
  });
  if (options.demo !== false) await loadDemoHistory(downloads.service, store.projections);
  const url = await downloads.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    explorerUrl: `${url}/explorer/`,
    store,
    downloads,
    async append(streamId, events) {
      await store.append(streamId, events, 'any');
    },
    async close() {
      await downloads.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
