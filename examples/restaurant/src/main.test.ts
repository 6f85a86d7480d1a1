import { createInMemoryStore } from '@chronicle/core';
import { expect, it } from 'vitest';
import { playEvening } from './main.js';

it('the end-to-end evening accepts the valid commands and rejects the rest', async () => {
  const store = createInMemoryStore();
  const lines: string[] = [];
  await playEvening(store, (line) => lines.push(line));
  const output = lines.join('\n');
  expect(output).toMatch(/✗ OrderDrinks +→ rejected TOO_MANY_DRINKS/);
  expect(output).toMatch(/✗ LeaveTable +→ rejected BILL_UNPAID/);
  expect(output).toMatch(/✗ OrderDrinks +→ rejected TABLE_LEFT/);
  expect(output).toContain('"status":"left"');
  expect(await store.headPosition()).toBe(5);
});
