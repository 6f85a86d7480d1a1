import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachStore } from '../../shared/src/test-stores.js';
import { tour } from './tour.js';

/** What the README says the tour prints (timestamps aside). */
function expectReadmeOutput(output: string): void {
  expect(output).toContain('refused: INSUFFICIENT_BALANCE only 30 left on the card');
  expect(output).toMatch(/^1 GiftCardIssued \{ amount: 50 \} \d{4}-/m);
  expect(output).toMatch(/^2 GiftCardRedeemed \{ amount: 20 \} \d{4}-/m);
  expect(output).not.toMatch(/^3 /m);
  expect(output).toContain('{ state: { issued: true, balance: 30 }, version: 2 }');
  expect(output).toContain('{ state: { issued: true, balance: 50 }, version: 1 }');
}

await describeEachStore('README tutorial', ({ open }) => {
  it('runs unchanged on the store (README step 4)', async () => {
    const store = await open();
    const lines: string[] = [];
    await tour(store, (...values) => lines.push(format(...values)));
    expectReadmeOutput(lines.join('\n'));
  });
});

describe('README tutorial program on a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-tutorial-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('main.ts sqlite:<file> prints what the README says, and the events stay in the file', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const run = (): string => execFileSync(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', main, `sqlite:${join(dir, 'cards.db')}`], { encoding: 'utf8' });
    expectReadmeOutput(run());
    // A second run finds the card issued (a no-op) and redeems from the stored balance.
    const second = run();
    expect(second).toMatch(/^3 GiftCardRedeemed \{ amount: 20 \}/m);
    expect(second).toContain('{ state: { issued: true, balance: 10 }, version: 3 }');
  });
});
