import { DomainError, type Decider, type Event } from '@chronicle/core';

// 1. Events: facts in the past tense.
export type GiftCardEvent =
  | Event<'GiftCardIssued', { amount: number }>
  | Event<'GiftCardRedeemed', { amount: number }>;

// 2. Commands: wishes that may be refused.
export type GiftCardCommand = { type: 'Issue'; amount: number } | { type: 'Redeem'; amount: number };

// 3. State: whatever the rules need, folded from the events.
export type GiftCard = { issued: boolean; balance: number };

export class InsufficientBalanceError extends DomainError {
  constructor(readonly balance: number) {
    super('INSUFFICIENT_BALANCE', `only ${balance} left on the card`);
  }
}

// 4. The decider: pure functions, no I/O.
export const giftCard: Decider<GiftCardCommand, GiftCardEvent, GiftCard> = {
  initialState: () => ({ issued: false, balance: 0 }),
  decide(command, card) {
    if (command.type === 'Issue') return card.issued ? [] : [{ type: 'GiftCardIssued', data: { amount: command.amount } }];
    if (command.amount > card.balance) throw new InsufficientBalanceError(card.balance);
    return [{ type: 'GiftCardRedeemed', data: { amount: command.amount } }];
  },
  evolve(card, event) {
    return event.type === 'GiftCardIssued'
      ? { issued: true, balance: event.data.amount }
      : { ...card, balance: card.balance - event.data.amount };
  },
};
