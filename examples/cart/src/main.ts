/**
 * Seed 004 end to end: Alice fills a cart, leaves and comes back to the same cart (abandoned-cart recovery from
 * the open-carts read model), checks out; the stock consumer sees only item events; the shipping consumer turns
 * the checkout into a shipment request.
 * Run: npm start --workspace @chronicle/example-cart
 */
import { randomUUID } from 'node:crypto';
import {
  createCommandHandler,
  createInMemoryStore,
  createProjectionRunner,
  createReactorRunner,
  silentLogger,
  type EventStore,
  type StoreWithProjections,
} from '@chronicle/core';
import { cartDecider, cartStream, type CartCommand } from './cart.js';
import { openCarts, shippingConsumer, stockConsumer } from './consumers.js';

/** Plays Alice's shopping against `store` and prints it. */
export async function playShopping(
  store: EventStore & StoreWithProjections<unknown>,
  log: (line: string) => void = console.log,
): Promise<void> {
  const handleCommand = createCommandHandler(store, cartDecider);
  let last = 0;
  const handle = async (cartId: string, command: CartCommand, commandId?: string): Promise<void> => {
    const result = await handleCommand(cartStream(cartId), command, commandId ? { commandId } : {});
    last = Math.max(last, ...result.newEvents.map((e) => e.globalPosition));
    log(`  ✓ ${command.type.padEnd(22)} → ${result.newEvents.map((e) => e.type).join(', ') || 'nothing (no-op)'}`);
  };
  const readModels = [stockConsumer, openCarts].map((projection) =>
    createProjectionRunner({ store, host: store.projections, projection, logger: silentLogger }),
  );
  const project = async (): Promise<void> => {
    for (const runner of readModels) await runner.waitFor(last);
  };
  for (const runner of readModels) runner.start();
  /** A visit resumes the customer's open cart if there is one, else opens a new one. */
  const visit = async (customerId: string): Promise<string> => {
    await project();
    const open = await store.projections.documents.get<{ cartId: string }>('open-carts', customerId);
    log(`${customerId} visits: ${open ? `resumes cart ${open.cartId.slice(0, 8)}` : 'opens a new cart'}`);
    if (open) return open.cartId;
    const cartId = randomUUID();
    await handle(cartId, { type: 'OpenCart', cartId, customerId });
    return cartId;
  };

  const cart = await visit('alice');
  await handle(cart, { type: 'AddItem', sku: 'socks', quantity: 2 });
  await handle(cart, { type: 'AddItem', sku: 'shirt', quantity: 4 });
  await handle(cart, { type: 'RemoveItem', sku: 'socks', quantity: 2 });
  log('alice leaves without checking out');
  const again = await visit('alice');
  await handle(again, { type: 'AddShippingInformation', address: '1 Main St' });
  await handle(again, { type: 'CheckOut' }, 'checkout-1');

  await project();
  for (const sku of ['shirt', 'socks']) {
    const stock = await store.projections.documents.get<{ reserved: number }>('stock-reservations', sku);
    log(`Stock reserved for ${sku}: ${stock?.reserved ?? 0}`);
  }
  const shipping = createReactorRunner({ store, host: store.projections, reactor: shippingConsumer(store), logger: silentLogger });
  await shipping.catchUp();
  for await (const event of store.readStream(`shipment-${again}`)) {
    log(`Shipping consumer: ${event.type} ${JSON.stringify(event.data)}`);
  }
  for (const runner of readModels) await runner.stop();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const store = createInMemoryStore();
  await playShopping(store);
  await store.close();
}
