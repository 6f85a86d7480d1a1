import { aggregateStream, createCommandHandler, createInMemoryStore } from '@chronicle/core';
import { giftCard } from './gift-card.js';

const store = createInMemoryStore();
const handle = createCommandHandler(store, giftCard);

await handle('gift-card-42', { type: 'Issue', amount: 50 });
await handle('gift-card-42', { type: 'Redeem', amount: 20 });
await handle('gift-card-42', { type: 'Redeem', amount: 40 }).catch((error: Error & { code: string }) =>
  console.log('refused:', error.code, error.message),
);

for await (const event of store.readStream('gift-card-42')) {
  console.log(event.streamPosition, event.type, event.data, event.recordedAt.toISOString());
}
console.log(await aggregateStream(store, 'gift-card-42', giftCard)); // { state: { issued: true, balance: 30 }, version: 2 }
