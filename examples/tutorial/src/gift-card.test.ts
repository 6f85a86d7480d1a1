import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spec } from '@chronicle/core/testing';
import { describe, expect, it } from 'vitest';
import { InsufficientBalanceError, giftCard } from './gift-card.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** The statements of the README's step 3 code block (imports, the store line and comments left out). */
function readmeStep3(): string[] {
  const readme = readFileSync(here('../../../README.md'), 'utf8');
  const block = /\*\*3\. Handle commands[^\n]*\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README step 3 code block not found');
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//') && !line.startsWith('import ') && !line.startsWith('const store ='))
    .map((line) => line.replaceAll('console.log(', 'log('));
}

describe('gift card (README tutorial)', () => {
  it('given/when/then', () => {
    spec(giftCard).given([]).when({ type: 'Issue', amount: 50 }).then([{ type: 'GiftCardIssued', data: { amount: 50 } }]);
    spec(giftCard)
      .given([{ type: 'GiftCardIssued', data: { amount: 50 } }])
      .when({ type: 'Redeem', amount: 60 })
      .thenThrows(InsufficientBalanceError);
    spec(giftCard).given([{ type: 'GiftCardIssued', data: { amount: 50 } }]).when({ type: 'Issue', amount: 50 }).thenNothing();
  });

  it("the tested tour is the README's step 3, line for line", () => {
    const tour = readFileSync(here('./tour.ts'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    const statements = readmeStep3();
    expect(statements.length).toBeGreaterThan(8);
    let at = 0;
    for (const statement of statements) {
      const found = tour.indexOf(statement, at);
      expect(found, `README line missing from tour.ts (or out of order): ${statement}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it('the tutorial program prints what the README says', () => {
    const output = execFileSync(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', here('./main.ts')], { encoding: 'utf8' });
    expect(output).toContain('refused: INSUFFICIENT_BALANCE only 30 left on the card');
    expect(output).toMatch(/1 GiftCardIssued \{ amount: 50 \}/);
    expect(output).toMatch(/2 GiftCardRedeemed \{ amount: 20 \}/);
    expect(output).toContain('{ state: { issued: true, balance: 30 }, version: 2 }');
    expect(output).toContain('{ state: { issued: true, balance: 50 }, version: 1 }');
  });
});
