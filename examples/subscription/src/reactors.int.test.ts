import { createCommandHandler, createReactorRunner, silentLogger } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore, untilVisible } from '../../shared/src/test-stores.js';
import { consoleMailer, outboxMailer, queuedMails, type Mailer } from './mail.js';
import { subscriptionReactors } from './reactors.js';
import { subscriptionDecider } from './subscription.js';

const directory = { subscriberEmail: (id: string) => `${id}@example.com`, creatorEmail: 'creator@example.com' };
const now = new Date('2026-03-01T10:00:00.000Z');

await describeEachStore('subscription reactors (seed 002)', ({ open }) => {
  it('asynchronously send the confirmation and new-subscriber mails once, even when replayed', async () => {
    const store = await open();
    const handle = createCommandHandler(store, subscriptionDecider);
    const { newEvents } = await handle('subscription-12', { type: 'Activate', paymentKey: 'sub_66123', now });
    await handle('subscription-12', { type: 'Activate', paymentKey: 'sub_66123', now }); // no-op: no second mail
    await untilVisible(store, newEvents[0]!.globalPosition);
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
    await untilVisible(store, result.newEvents[0]!.globalPosition);
    expect(result.reactionErrors.map((e) => e.reactor)).toEqual(['subscription-confirmation', 'new-subscriber-notification']);
    expect(await store.headPosition()).toBe(result.newEvents[0]!.globalPosition);
  });

  it('asynchronously: a mail that cannot be sent is retried, then parked without blocking the others, and sent on retry', async () => {
    const store = await open();
    const handle = createCommandHandler(store, subscriptionDecider);
    const outbox = outboxMailer(store.projections);
    let smtpDown = true;
    const attempts: string[] = [];
    const flaky: Mailer = {
      send: (mail) => {
        attempts.push(mail.to);
        return smtpDown && mail.to === '13@example.com' ? Promise.reject(new Error('SMTP down')) : outbox.send(mail);
      },
    };
    await handle('subscription-13', { type: 'Activate', paymentKey: 'sub_13', now });
    const last = await handle('subscription-14', { type: 'Activate', paymentKey: 'sub_14', now });
    await untilVisible(store, last.newEvents[0]!.globalPosition);
    const [confirmation] = subscriptionReactors(flaky, directory);
    const runner = createReactorRunner({ store, host: store.projections, reactor: confirmation!, logger: silentLogger, maxAttempts: 3, eventRetry: { initialDelayMs: 1, maxDelayMs: 5 } });
    await runner.catchUp();
    expect(attempts).toEqual(['13@example.com', '13@example.com', '13@example.com', '14@example.com']);
    expect((await queuedMails(store.projections.documents)).map((m) => m.to)).toEqual(['14@example.com']);
    const parked = await runner.parked();
    expect(parked).toMatchObject([{ consumer: 'subscription-confirmation', streamId: 'subscription-13', type: 'Activated', attempts: 3, error: 'SMTP down' }]);

    smtpDown = false;
    expect(await runner.retryParked(parked[0]!.eventId)).toBe(true);
    expect(await runner.parked()).toEqual([]);
    expect((await queuedMails(store.projections.documents)).map((m) => m.to).sort()).toEqual(['13@example.com', '14@example.com']);
  });

  it('asynchronously, in the background: a running reactor mails each new subscriber', async () => {
    const store = await open();
    const handle = createCommandHandler(store, subscriptionDecider);
    const [confirmation] = subscriptionReactors(outboxMailer(store.projections), directory);
    const runner = createReactorRunner({ store, host: store.projections, reactor: confirmation!, logger: silentLogger, leaseTtlMs: 2_000 });
    runner.start();
    try {
      for (const id of ['21', '22']) {
        const { newEvents } = await handle(`subscription-${id}`, { type: 'Activate', paymentKey: `sub_${id}`, now });
        await runner.waitFor(newEvents[0]!.globalPosition, 10_000);
      }
      expect((await queuedMails(store.projections.documents)).map((m) => m.to).sort()).toEqual(['21@example.com', '22@example.com']);
      expect(await runner.status()).toMatchObject({ lagEvents: 0, parked: 0 });
    } finally {
      await runner.stop();
    }
  });
});
