import { createCommandHandler, createReactorRunner, silentLogger } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../shared/src/test-stores.js';
import { consoleMailer, outboxMailer, queuedMails, type Mailer } from './mail.js';
import { subscriptionReactors } from './reactors.js';
import { subscriptionDecider } from './subscription.js';

const directory = { subscriberEmail: (id: string) => `${id}@example.com`, creatorEmail: 'creator@example.com' };
const now = new Date('2026-03-01T10:00:00.000Z');

await describeEachStore('subscription reactors (seed 002)', ({ open }) => {
  it('asynchronously send the confirmation and new-subscriber mails once, even when replayed', async () => {
    const store = await open();
    const handle = createCommandHandler(store, subscriptionDecider);
    await handle('subscription-12', { type: 'Activate', paymentKey: 'sub_66123', now });
    await handle('subscription-12', { type: 'Activate', paymentKey: 'sub_66123', now }); // no-op: no second mail
    const mailer = outboxMailer(store.projections);
    const runners = subscriptionReactors(mailer, directory).map((reactor) => createReactorRunner({ store, host: store.projections, reactor, logger: silentLogger }));
    for (const runner of runners) await runner.catchUp();
    const mails = await queuedMails(store.projections.documents);
    expect(mails.map((m) => [m.to, m.subject]).sort()).toEqual([
      ['12@example.com', 'Your subscription is active'],
      ['creator@example.com', 'You have a new subscriber'],
    ]);
    // At-least-once delivery may repeat a reaction; the mail id makes that harmless.
    for (const reactor of subscriptionReactors(mailer, directory)) {
      for await (const event of store.readAll()) await reactor.react(event, { attempt: 2, metadata: {} });
    }
    expect(await queuedMails(store.projections.documents)).toHaveLength(2);
  });

  it('synchronously, after commit and before the command returns', async () => {
    const store = await open();
    const lines: string[] = [];
    const handle = createCommandHandler(store, subscriptionDecider, { reactors: subscriptionReactors(consoleMailer((l) => lines.push(l)), directory) });
    const result = await handle('subscription-7', { type: 'Activate', paymentKey: 'sub_1', now });
    expect(result.reactionErrors).toEqual([]);
    expect(lines.join('\n')).toMatch(/to 7@example.com: Your subscription is active[\s\S]*to creator@example.com: You have a new subscriber/);
  });

  it('a failing synchronous reaction does not undo the command and is reported', async () => {
    const store = await open();
    const broken: Mailer = { send: async () => Promise.reject(new Error('SMTP down')) };
    const handle = createCommandHandler(store, subscriptionDecider, { reactors: subscriptionReactors(broken, directory) });
    const result = await handle('subscription-8', { type: 'Activate', paymentKey: 'sub_1', now });
    expect(result.newEvents).toHaveLength(1);
    expect(result.reactionErrors.map((e) => e.reactor)).toEqual(['subscription-confirmation', 'new-subscriber-notification']);
    expect(await store.headPosition()).toBe(result.newEvents[0]!.globalPosition);
  });
});
