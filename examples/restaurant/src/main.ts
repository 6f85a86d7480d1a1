/**
 * An evening at table 6, end to end: commands go through the command handler,
 * events land in the store, and the stream is read back and folded.
 * Run: npm start --workspace @chronicle/example-restaurant
 */
import { randomUUID } from 'node:crypto';
import { aggregateStream, createCommandHandler, createInMemoryStore, isChronicleError, type EventStore } from '@chronicle/core';
import { tableDecider, tableStream, type TableCommand } from './table.js';

/** Plays the evening against `store` and prints what happens. */
export async function playEvening(store: EventStore, log: (line: string) => void = console.log): Promise<void> {
  const handle = createCommandHandler(store, tableDecider);
  const reservationId = randomUUID();
  const stream = tableStream(reservationId);
  const steps: TableCommand[] = [
    { type: 'ReserveTable', reservationId, tableNumber: 6, name: 'Kim', at: new Date().toISOString(), guests: 2 },
    { type: 'OrderDrinks', order: { orderId: 'o1', productName: 'Cola', quantity: 3, price: 250 } },
    { type: 'OrderDrinks', order: { orderId: 'o2', productName: 'Wine', quantity: 2, price: 600 } },
    { type: 'ServeDrinks', orderId: 'o1' },
    { type: 'LeaveTable' },
    { type: 'PayBill', amount: 750 },
    { type: 'LeaveTable' },
    { type: 'OrderDrinks', order: { orderId: 'o3', productName: 'Coffee', quantity: 1, price: 300 } },
  ];
  log(`Table 6, stream ${stream}\n`);
  for (const command of steps) {
    const label = command.type.padEnd(13);
    try {
      const result = await handle(stream, command, { commandId: randomUUID() });
      const events = result.newEvents.map((e) => `${e.type}@${e.streamPosition}`).join(', ') || 'nothing (no-op)';
      log(`  ✓ ${label} → ${events}`);
    } catch (error) {
      if (!isChronicleError(error)) throw error;
      log(`  ✗ ${label} → rejected ${error.code}: ${error.message}`);
    }
  }
  log('\nThe stream, as stored:');
  for await (const event of store.readStream(stream)) {
    log(`  #${event.streamPosition} (global ${event.globalPosition}) ${event.type} ${JSON.stringify(event.data)}`);
  }
  const { state, version } = await aggregateStream(store, stream, tableDecider);
  log(`\nFolded state at version ${version}: ${JSON.stringify(state)}`);
  const { state: before } = await aggregateStream(store, stream, tableDecider, { toVersion: 3 });
  log(`Time travel, state at version 3: ${JSON.stringify(before)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const store = createInMemoryStore();
  await playEvening(store);
  await store.close();
}
