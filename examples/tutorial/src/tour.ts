import { aggregateStream, createCommandHandler, type EventStore } from '@chronicle/core';
import { giftCard } from './gift-card.js';

/**
 * Step 3 of the README tutorial, on any store: handle commands, then read the
 * stream back. Apart from `log` for `console.log`, every line is the README's
 * (a test checks that).
 */
export async function tour(store: EventStore, log: (...values: unknown[]) => void = console.log): Promise<void> {
  const handle = createCommandHandler(store, giftCard);

  await handle('gift-card-42', { type: 'Issue', amount: 50 });
  await handle('gift-card-42', { type: 'Redeem', amount: 20 });
  await handle('gift-card-42', { type: 'Redeem', amount: 40 }).catch((error) => log('refused:', error.code, error.message));

  for await (const event of store.readStream('gift-card-42')) {
    log(event.streamPosition, event.type, event.data, event.recordedAt.toISOString());
  }

  log(await aggregateStream(store, 'gift-card-42', giftCard));
  log(await aggregateStream(store, 'gift-card-42', giftCard, { toVersion: 1 }));
}
