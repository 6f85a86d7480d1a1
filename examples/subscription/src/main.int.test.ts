import { expect, it } from 'vitest';
import { describeEachStore } from '../../shared/src/test-stores.js';
import { playSubscription } from './main.js';

await describeEachStore('subscription program (npm start)', ({ open }) => {
  it('mails once per activation, ignores the repeated one and refuses a second cancel', async () => {
    const store = await open();
    const lines: string[] = [];
    await playSubscription(store, (line) => lines.push(line));
    const output = lines.join('\n');
    expect(output.match(/✉ to 12@example.com/g)).toHaveLength(1);
    expect(output.match(/✉ to creator@example.com/g)).toHaveLength(1);
    expect(output).toMatch(/✓ Activate → Activated[\s\S]*✓ Activate → nothing \(no-op\)[\s\S]*✓ Cancel +→ Cancelled/);
    expect(output).toMatch(/✗ Cancel +→ rejected SUBSCRIPTION_NOT_ACTIVE/);
  });
});
