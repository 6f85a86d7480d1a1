import { DomainError, ValidationError, type Decider, type Event, type ValidationIssue } from '@chronicle/core';

/** The subscription was activated with a payment provider key (seed 002: `stripe_key`). */
export type Activated = Event<'Activated', { paymentKey: string; activatedAt: string }>;
/** The subscription was cancelled; it may be activated again. */
export type Cancelled = Event<'Cancelled', { reason: string; cancelledAt: string }>;
export type SubscriptionEvent = Activated | Cancelled;

/** Commands carry their own clock reading, so the decider stays pure. */
export type SubscriptionCommand =
  | { readonly type: 'Activate'; readonly paymentKey: string; readonly now: Date }
  | { readonly type: 'Cancel'; readonly reason: string; readonly now: Date };

export type Subscription =
  | { readonly status: 'new' }
  | { readonly status: 'active'; readonly paymentKey: string; readonly activatedAt: string }
  | { readonly status: 'cancelled'; readonly paymentKey: string; readonly cancelledAt: string };

/** Cancelling something that is not active. */
export class SubscriptionNotActiveError extends DomainError {
  constructor() {
    super('SUBSCRIPTION_NOT_ACTIVE', 'the subscription is not active');
  }
}

function requirePresent(fields: Record<string, unknown>): void {
  const issues: ValidationIssue[] = Object.entries(fields)
    .filter(([, value]) => typeof value !== 'string' || value.trim() === '')
    .map(([path]) => ({ path, message: "can't be blank" }));
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * Seed 002's subscription: `Activate` validates presence of the payment key and
 * is a no-op when the subscription is already active (the command's `noop?`).
 */
export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionEvent, Subscription> = {
  initialState: () => ({ status: 'new' }),
  decide(command, state) {
    switch (command.type) {
      case 'Activate':
        requirePresent({ paymentKey: command.paymentKey });
        if (state.status === 'active') return [];
        return [{ type: 'Activated', data: { paymentKey: command.paymentKey, activatedAt: command.now.toISOString() } }];
      case 'Cancel':
        requirePresent({ reason: command.reason });
        if (state.status !== 'active') throw new SubscriptionNotActiveError();
        return [{ type: 'Cancelled', data: { reason: command.reason, cancelledAt: command.now.toISOString() } }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'Activated':
        return { status: 'active', paymentKey: event.data.paymentKey, activatedAt: event.data.activatedAt };
      case 'Cancelled':
        return state.status === 'active' ? { status: 'cancelled', paymentKey: state.paymentKey, cancelledAt: event.data.cancelledAt } : state;
    }
  },
};
