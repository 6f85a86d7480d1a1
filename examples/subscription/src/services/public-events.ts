import { publicEvents, type Projection } from '@chronicle/core';

/** What other services hear of a subscription: its public events, published on topic `subscriptions`. */
export type SubscriptionPublicEvent =
  | { readonly type: 'SubscriptionActivated'; readonly data: { readonly subscriptionId: string; readonly at: string } }
  | { readonly type: 'SubscriptionCancelled'; readonly data: { readonly subscriptionId: string; readonly at: string } };

/**
 * Translates the domain events into public events in the append's transaction (the outbox). The payment key
 * stays inside: it is an internal detail, not part of the contract with other services.
 */
export function subscriptionPublicEvents<Native>(): Projection<Native> {
  return publicEvents({
    name: 'public-subscriptions',
    topic: 'subscriptions',
    eventTypes: ['Activated', 'Cancelled'],
    map: (event) => {
      const at = (event.data as { activatedAt?: string; cancelledAt?: string }) ?? {};
      return event.type === 'Activated'
        ? { type: 'SubscriptionActivated', data: { subscriptionId: event.streamId, at: at.activatedAt } }
        : { type: 'SubscriptionCancelled', data: { subscriptionId: event.streamId, at: at.cancelledAt } };
    },
  }) as Projection<Native>;
}
