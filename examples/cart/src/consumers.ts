import { aggregateStream, documentProjection, type EventStore, type Projection, type Reactor, type RecordedEvent } from '@chronicle/core';
import { cartDecider, type CartEvent } from './cart.js';

type CartRecord = RecordedEvent & CartEvent;

/** The stock manager: only cares about items going in and out of carts. */
export const stockConsumer: Projection = documentProjection<{ sku: string; reserved: number }, CartRecord>({
  name: 'stock',
  collection: 'stock-reservations',
  eventTypes: ['ItemAdded', 'ItemRemoved'],
  documentId: (event) => (event as Extract<CartRecord, { type: 'ItemAdded' }>).data.sku,
  evolve(doc, event) {
    const { sku, quantity } = (event as Extract<CartRecord, { type: 'ItemAdded' | 'ItemRemoved' }>).data;
    return { sku, reserved: (doc?.reserved ?? 0) + (event.type === 'ItemAdded' ? quantity : -quantity) };
  },
});

/**
 * Open carts by customer: where an abandoned cart is found on the next visit.
 * `cart-owners` remembers whose cart a stream is, since a checkout event does
 * not repeat the customer id.
 */
export const openCarts: Projection = {
  name: 'open-carts',
  eventTypes: ['CartOpened', 'CartCheckedOut'],
  async handle(events, tx) {
    for (const event of events as readonly CartRecord[]) {
      if (event.type === 'CartOpened') {
        await tx.documents.put('cart-owners', event.data.cartId, { customerId: event.data.customerId });
        await tx.documents.put('open-carts', event.data.customerId, { cartId: event.data.cartId });
        continue;
      }
      const cartId = event.streamId.replace(/^cart-/, '');
      const owner = await tx.documents.get<{ customerId: string }>('cart-owners', cartId);
      if (!owner) continue;
      const open = await tx.documents.get<{ cartId: string }>('open-carts', owner.customerId);
      if (open?.cartId === cartId) await tx.documents.delete('open-carts', owner.customerId);
    }
  },
};

/**
 * The shipping manager: wants to know where to send things, and, at checkout,
 * what. It is also a producer: it appends `ShipmentRequested` to the shipment's
 * own stream, caused by the checkout (correlation and causation carried over).
 */
export function shippingConsumer(store: Pick<EventStore, 'append' | 'readStream' | 'getStreamInfo'>): Reactor {
  return {
    name: 'shipping',
    eventTypes: ['ShippingInformationAdded', 'CartCheckedOut'],
    async react(event, context) {
      if (event.type !== 'CartCheckedOut') return; // the address is read from the cart at checkout
      const { state } = await aggregateStream(store, event.streamId, cartDecider);
      const shipment = `shipment-${event.streamId.replace(/^cart-/, '')}`;
      await store
        .append(shipment, [{ type: 'ShipmentRequested', data: { address: state.address, items: state.items }, metadata: context.metadata }], 'no_stream')
        .catch((error: { code?: string }) => {
          // A repeated delivery of the same checkout finds the shipment already requested.
          if (error.code !== 'WRONG_EXPECTED_VERSION') throw error;
        });
    },
  };
}
