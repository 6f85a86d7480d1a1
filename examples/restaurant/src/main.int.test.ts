import { expect, it } from 'vitest';
import { describeEachStore, untilVisible } from '../../shared/src/test-stores.js';
import { playEvening } from './main.js';

await describeEachStore('restaurant evening (seed 001)', ({ open }) => {
  it('accepts the valid commands and rejects the rest', async () => {
    const store = await open();
    const lines: string[] = [];
    await playEvening(store, (line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toMatch(/✗ OrderDrinks +→ rejected TOO_MANY_DRINKS/);
    expect(output).toMatch(/✗ LeaveTable +→ rejected BILL_UNPAID/);
    expect(output).toMatch(/✗ OrderDrinks +→ rejected TABLE_LEFT/);
    expect(output).toContain('"status":"left"');
    expect(output.match(/ ✓ /g)).toHaveLength(5);
    await untilVisible(store, 5);
    expect(await store.headPosition()).toBe(5);
  });
});
