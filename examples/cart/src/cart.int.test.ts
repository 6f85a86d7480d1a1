import { randomUUID } from 'node:crypto';
import { createCommandHandler, createProjectionRunner, createReactorRunner, silentLogger, type Projection, type RecordedEvent } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore, untilVisible, type ExampleStore } from '../../shared/src/test-stores.js';
import { cartDecider, cartStream } from './cart.js';
import { openCarts, shippingConsumer, stockConsumer } from './consumers.js';

async function shop(store: ExampleStore, readModels: readonly Projection[]) {
  const handleCommand = createCommandHandler(store, cartDecider);
  let last = 0;
  /** Handles a command and remembers the last global position written, for {@link projectAll}. */
  const handle: typeof handleCommand = async (...args) => {
    const result = await handleCommand(...args);
    last = Math.max(last, ...result.newEvents.map((e) => e.globalPosition));
    return result;
  };
  const projectAll = async () => {
    await untilVisible(store, last);
    for (const projection of readModels) await createProjectionRunner({ store, host: store.projections, projection, logger: silentLogger }).catchUp();
  };
  /** The next visit: resume the open cart if there is one (abandoned cart recovery), else open a new one. */
  const visit = async (customerId: string): Promise<string> => {
    await projectAll();
    const open = await store.projections.documents.get<{ cartId: string }>('open-carts', customerId);
    if (open) return open.cartId;
    const cartId = randomUUID();
    await handle(cartStream(cartId), { type: 'OpenCart', cartId, customerId });
    return cartId;
  };
  return { handle, visit, projectAll };
}

await describeEachStore('shopping cart (seed 004)', ({ open }) => {
  it('consumers each handle only their events; shipping produces events; abandoned carts resume; the read database rebuilds identically', async () => {
    const store = await open();
    // Spy on what reaches the stock consumer.
    const stockSaw = new Set<string>();
    const spyStock: Projection = { ...stockConsumer, handle: (events, tx, ctx) => (events.forEach((e) => stockSaw.add(e.type)), stockConsumer.handle(events, tx, ctx)) };
    const readModels = [spyStock, openCarts];
    const { handle, visit, projectAll } = await shop(store, readModels);

    // Alice adds 2 socks and 4 shirts, removes the socks, then leaves without checking out.
    const first = await visit('alice');
    await handle(cartStream(first), { type: 'AddItem', sku: 'socks', quantity: 2 });
    await handle(cartStream(first), { type: 'AddItem', sku: 'shirt', quantity: 4 });
    await handle(cartStream(first), { type: 'RemoveItem', sku: 'socks', quantity: 2 });
    // Next visit: the same cart comes back.
    const second = await visit('alice');
    expect(second).toBe(first);
    await handle(cartStream(first), { type: 'AddShippingInformation', address: '1 Main St' });
    const checkout = await handle(cartStream(first), { type: 'CheckOut' }, { commandId: 'checkout-cmd-1' });
    // Bob's cart stays open.
    const bobs = await visit('bob');
    await handle(cartStream(bobs), { type: 'AddItem', sku: 'socks', quantity: 1 });

    await projectAll();
    expect([...stockSaw].sort()).toEqual(['ItemAdded', 'ItemRemoved']);
    expect(await store.projections.documents.get('stock-reservations', 'shirt')).toEqual({ sku: 'shirt', reserved: 4 });
    expect(await store.projections.documents.get('stock-reservations', 'socks')).toEqual({ sku: 'socks', reserved: 1 });

    // Shipping consumer: handles only its events, and produces ShipmentRequested caused by the checkout.
    const shippingSaw = new Set<string>();
    const shipping = shippingConsumer(store);
    const spyShipping = { ...shipping, react: (event: RecordedEvent, ctx: Parameters<typeof shipping.react>[1]) => (shippingSaw.add(event.type), shipping.react(event, ctx)) };
    const shippingRunner = createReactorRunner({ store, host: store.projections, reactor: spyShipping, logger: silentLogger });
    await shippingRunner.catchUp();
    expect([...shippingSaw].sort()).toEqual(['CartCheckedOut', 'ShippingInformationAdded']);
    const [shipment] = await collect(store.readStream(`shipment-${first}`));
    expect(shipment).toMatchObject({ type: 'ShipmentRequested', data: { address: '1 Main St', items: { shirt: 4 } } });
    expect(shipment!.metadata).toEqual({ causationId: checkout.newEvents[0]!.eventId, correlationId: 'checkout-cmd-1' });

    // Drop the read database and rebuild it from the streams: identical.
    await projectAll();
    const before = await snapshot(store);
    expect(before['open-carts']).toEqual([{ id: 'bob', document: { cartId: bobs } }]);
    await store.projections.transaction(async (tx) => {
      for (const collection of ['stock-reservations', 'open-carts', 'cart-owners']) await tx.documents.dropCollection(collection);
    });
    for (const projection of readModels) await store.projections.deleteCheckpoint(projection.name);
    expect(await store.projections.documents.count('stock-reservations')).toBe(0);
    await projectAll();
    expect(await snapshot(store)).toEqual(before);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function snapshot(store: ExampleStore): Promise<Record<string, unknown>> {
  return {
    'stock-reservations': await store.projections.documents.find('stock-reservations'),
    'open-carts': await store.projections.documents.find('open-carts'),
    'cart-owners': await store.projections.documents.find('cart-owners'),
  };
}
