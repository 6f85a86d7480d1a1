import { expect, it } from 'vitest';
import { describeEachStore } from '../../shared/src/test-stores.js';
import { playShopping } from './main.js';

await describeEachStore('cart program (npm start)', ({ open }) => {
  it('resumes the abandoned cart, reserves stock and requests the shipment', async () => {
    const store = await open();
    const lines: string[] = [];
    await playShopping(store, (line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toMatch(/alice visits: opens a new cart[\s\S]*alice visits: resumes cart/);
    expect(output).toContain('Stock reserved for shirt: 4');
    expect(output).toContain('Stock reserved for socks: 0');
    expect(output).toContain('Shipping consumer: ShipmentRequested {"address":"1 Main St","items":{"shirt":4}}');
  });
});
