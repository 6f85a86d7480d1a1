/**
 * Seed 002 end to end: a subscription is activated (twice: the second is a no-op, so no second mail), cancelled,
 * and cancelled again (rejected); the reactors mail the subscriber and the creator through the console.
 * Run: npm start --workspace @chronicle/example-subscription
 */
import { createCommandHandler, createInMemoryStore, isChronicleError, type EventStore } from '@chronicle/core';
import { consoleMailer } from './mail.js';
import { subscriptionReactors } from './reactors.js';
import { subscriptionDecider, type SubscriptionCommand } from './subscription.js';

/** Plays one subscription's life against `store` and prints it, mails included. */
export async function playSubscription(store: EventStore, log: (line: string) => void = console.log): Promise<void> {
  const directory = { subscriberEmail: (id: string) => `${id}@example.com`, creatorEmail: 'creator@example.com' };
  const reactors = subscriptionReactors(consoleMailer((line) => log(`    ${line}`)), directory);
  const handle = createCommandHandler(store, subscriptionDecider, { reactors });
  const now = new Date();
  const steps: SubscriptionCommand[] = [
    { type: 'Activate', paymentKey: 'sub_66123', now },
    { type: 'Activate', paymentKey: 'sub_66123', now },
    { type: 'Cancel', reason: 'too expensive', now },
    { type: 'Cancel', reason: 'again', now },
  ];
  for (const command of steps) {
    try {
      const result = await handle('subscription-12', command);
      log(`  ✓ ${command.type.padEnd(8)} → ${result.newEvents.map((e) => e.type).join(', ') || 'nothing (no-op)'}`);
    } catch (error) {
      if (!isChronicleError(error)) throw error;
      log(`  ✗ ${command.type.padEnd(8)} → rejected ${error.code}: ${error.message}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const store = createInMemoryStore();
  await playSubscription(store);
  await store.close();
}
