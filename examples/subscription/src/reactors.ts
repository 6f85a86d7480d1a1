import type { Reactor } from '@chronicle/core';
import type { Mailer } from './mail.js';
import type { Activated } from './subscription.js';

/** Seed 002's reactors: on `Activated`, confirm to the subscriber and tell the creator. */
export function subscriptionReactors(mailer: Mailer, directory: { subscriberEmail(subscriptionId: string): string; creatorEmail: string }): Reactor[] {
  return [
    {
      name: 'subscription-confirmation',
      eventTypes: ['Activated'],
      async react(event) {
        const subscriptionId = event.streamId.replace(/^subscription-/, '');
        await mailer.send({
          id: `${event.eventId}/confirmation`,
          to: directory.subscriberEmail(subscriptionId),
          subject: 'Your subscription is active',
          body: `Subscription ${subscriptionId} was activated at ${(event.data as Activated['data']).activatedAt}.`,
        });
      },
    },
    {
      name: 'new-subscriber-notification',
      eventTypes: ['Activated'],
      async react(event) {
        await mailer.send({
          id: `${event.eventId}/new-subscriber`,
          to: directory.creatorEmail,
          subject: 'You have a new subscriber',
          body: `Subscription ${event.streamId.replace(/^subscription-/, '')} just started.`,
        });
      },
    },
  ];
}
