import type { EventStore } from '@chronicle/core';
import { explorerPlugin } from '@chronicle/explorer';
import { createServer } from '@chronicle/server';
import { giftCard } from './gift-card.js';

/** README step 5: the gift cards behind the HTTP API, with the explorer at /explorer/. */
export async function serveGiftCards(store: EventStore, token: string): Promise<Awaited<ReturnType<typeof createServer>>['app']> {
  const { app } = await createServer({ store, auth: { token }, stateModels: { gift: giftCard }, plugins: [explorerPlugin()] });
  return app;
}
