import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spec } from '@chronicle/core/testing';
import { describe, expect, it } from 'vitest';
import { InsufficientBalanceError, giftCard } from './gift-card.js';

describe('gift card (README tutorial)', () => {
  it('given/when/then', () => {
    spec(giftCard).given([]).when({ type: 'Issue', amount: 50 }).then([{ type: 'GiftCardIssued', data: { amount: 50 } }]);
    spec(giftCard)
      .given([{ type: 'GiftCardIssued', data: { amount: 50 } }])
      .when({ type: 'Redeem', amount: 60 })
      .thenThrows(InsufficientBalanceError);
    spec(giftCard).given([{ type: 'GiftCardIssued', data: { amount: 50 } }]).when({ type: 'Issue', amount: 50 }).thenNothing();
  });

  it('the tutorial program prints what the README says', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const output = execFileSync(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', main], { encoding: 'utf8' });
    expect(output).toContain('refused: INSUFFICIENT_BALANCE only 30 left on the card');
    expect(output).toMatch(/1 GiftCardIssued \{ amount: 50 \}/);
    expect(output).toMatch(/2 GiftCardRedeemed \{ amount: 20 \}/);
    expect(output).toContain('{ state: { issued: true, balance: 30 }, version: 2 }');
  });
});
