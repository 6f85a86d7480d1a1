import { ValidationError } from '@chronicle/core';
import { spec } from '@chronicle/core/testing';
import { describe, it } from 'vitest';
import { SubscriptionNotActiveError, subscriptionDecider, type SubscriptionEvent } from './subscription.js';

const subscription = spec(subscriptionDecider);
const now = new Date('2026-03-01T10:00:00.000Z');
const activated: SubscriptionEvent = { type: 'Activated', data: { paymentKey: 'sub_66123', activatedAt: now.toISOString() } };

describe('subscription (seed 002)', () => {
  it('activates with a payment key', () => {
    subscription.given([]).when({ type: 'Activate', paymentKey: 'sub_66123', now }).then([activated]);
  });

  it('validates presence of the payment key', () => {
    subscription.given([]).when({ type: 'Activate', paymentKey: '', now }).thenThrows('VALIDATION_FAILED');
    subscription.given([]).when({ type: 'Activate', paymentKey: '   ', now }).thenThrows(ValidationError);
    subscription
      .given([])
      .when({ type: 'Activate', paymentKey: undefined as unknown as string, now })
      .thenThrows((error) => error instanceof ValidationError && error.issues[0]?.path === 'paymentKey');
  });

  it('activating an active subscription is a no-op', () => {
    subscription.given([activated]).when({ type: 'Activate', paymentKey: 'sub_other', now }).thenNothing();
  });

  it('can be cancelled when active, and reactivated', () => {
    const cancelled: SubscriptionEvent = { type: 'Cancelled', data: { reason: 'too expensive', cancelledAt: now.toISOString() } };
    subscription.given([activated]).when({ type: 'Cancel', reason: 'too expensive', now }).then([cancelled]);
    subscription.given([]).when({ type: 'Cancel', reason: 'x', now }).thenThrows(SubscriptionNotActiveError);
    subscription.given([activated, cancelled]).when({ type: 'Activate', paymentKey: 'sub_2', now }).then([
      { type: 'Activated', data: { paymentKey: 'sub_2', activatedAt: now.toISOString() } },
    ]);
  });

});
