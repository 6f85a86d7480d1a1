import { documentProjection, type Documents, type Projection, type RecordedEvent } from '@chronicle/core';
import type { Order, TableEvent } from './events.js';

/**
 * Restaurant read models (seed 001). Every one of them converges whatever
 * order its events arrive in, even across streams (a `DrinksServed` seen before
 * its `DrinksOrdered`, a `TableLeft` before its `TableReserved`): each document
 * keeps what it has learned, and the queries derive the answer from it.
 */
type Table = RecordedEvent & TableEvent;

/** A reservation as known to the floor staff. */
export type ReservationDoc = { readonly reservation?: Extract<TableEvent, { type: 'TableReserved' }>['data']; readonly left: boolean };

export const reservedTables: Projection = documentProjection<ReservationDoc, Table>({
  name: 'reserved-tables',
  collection: 'reserved-tables',
  eventTypes: ['TableReserved', 'TableLeft'],
  documentId: (event) => event.streamId,
  evolve: (doc, event) =>
    event.type === 'TableReserved' ? { left: doc?.left ?? false, reservation: event.data } : { ...doc, left: true },
});

/** One order line in the kitchen. */
export type KitchenDoc = { readonly table: string; readonly order?: Order; readonly served: boolean };

export const kitchen: Projection = documentProjection<KitchenDoc, Table>({
  name: 'kitchen',
  collection: 'kitchen',
  eventTypes: ['DrinksOrdered', 'DrinksServed'],
  documentId: (event) => `${event.streamId}/${event.type === 'DrinksOrdered' ? event.data.order.orderId : (event as Extract<Table, { type: 'DrinksServed' }>).data.orderId}`,
  evolve(doc, event) {
    const next: KitchenDoc =
      event.type === 'DrinksOrdered' ? { table: event.streamId, served: doc?.served ?? false, order: event.data.order } : { ...doc, table: event.streamId, served: true };
    // Ordered and served: nothing left to prepare, and no later event can change that.
    return next.order && next.served ? null : next;
  },
});

/** Drinks ordered per product. */
export type PopularityDoc = { readonly counts: Readonly<Record<string, number>> };

export const popularDrinks: Projection = documentProjection<PopularityDoc, Table>({
  name: 'popular-drinks',
  collection: 'restaurant-stats',
  eventTypes: ['DrinksOrdered'],
  documentId: () => 'popular-drinks',
  evolve(doc, event) {
    const { productName, quantity } = (event as Extract<Table, { type: 'DrinksOrdered' }>).data.order;
    const counts = { ...doc?.counts };
    counts[productName] = (counts[productName] ?? 0) + quantity;
    return { counts };
  },
});

/** Money paid per minute of the day (UTC, `YYYY-MM-DDTHH:MM`). */
export type SpendDoc = { readonly perMinute: Readonly<Record<string, number>> };

export const spendPerMinute: Projection = documentProjection<SpendDoc, Table>({
  name: 'spend-per-minute',
  collection: 'restaurant-stats',
  eventTypes: ['BillPaid'],
  documentId: () => 'spend-per-minute',
  evolve(doc, event) {
    const minute = event.recordedAt.toISOString().slice(0, 16);
    const perMinute = { ...doc?.perMinute };
    perMinute[minute] = (perMinute[minute] ?? 0) + (event as Extract<Table, { type: 'BillPaid' }>).data.amount;
    return { perMinute };
  },
});

/** The most valuable order lines. */
export type TopOrdersDoc = { readonly top: readonly { readonly key: string; readonly productName: string; readonly value: number }[] };

export const topOrders: Projection = documentProjection<TopOrdersDoc, Table>({
  name: 'top-orders',
  collection: 'restaurant-stats',
  eventTypes: ['DrinksOrdered'],
  documentId: () => 'top-orders',
  evolve(doc, event) {
    const { order } = (event as Extract<Table, { type: 'DrinksOrdered' }>).data;
    const entry = { key: `${event.streamId}/${order.orderId}`, productName: order.productName, value: order.price * order.quantity };
    // A total order (value, then key) keeps "top five" independent of arrival order.
    const top = [...(doc?.top ?? []).filter((e) => e.key !== entry.key), entry]
      .sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, 5);
    return { top };
  },
});

/** Every restaurant read model. */
export const restaurantReadModels: readonly Projection[] = [reservedTables, kitchen, popularDrinks, spendPerMinute, topOrders];

async function all<T>(documents: Documents, collection: string): Promise<T[]> {
  return (await documents.find<T>(collection)).map((entry) => entry.document);
}

/** The queries people look at. */
export const restaurantQueries = {
  async reservedTables(documents: Documents): Promise<number[]> {
    const docs = await all<ReservationDoc>(documents, 'reserved-tables');
    return docs.flatMap((d) => (d.reservation && !d.left ? [d.reservation.tableNumber] : [])).sort((a, b) => a - b);
  },
  async beingPrepared(documents: Documents): Promise<string[]> {
    const docs = await all<KitchenDoc>(documents, 'kitchen');
    return docs.flatMap((d) => (d.order && !d.served ? [`${d.order.quantity}× ${d.order.productName}`] : [])).sort();
  },
  async threeMostCommonDrinks(documents: Documents): Promise<string[]> {
    const doc = await documents.get<PopularityDoc>('restaurant-stats', 'popular-drinks');
    return Object.entries(doc?.counts ?? {})
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, 3)
      .map(([name]) => name);
  },
  async averageSpendPerMinute(documents: Documents): Promise<number> {
    const doc = await documents.get<SpendDoc>('restaurant-stats', 'spend-per-minute');
    const minutes = Object.values(doc?.perMinute ?? {});
    return minutes.length === 0 ? 0 : minutes.reduce((sum, v) => sum + v, 0) / minutes.length;
  },
  async topFiveOrders(documents: Documents): Promise<{ productName: string; value: number }[]> {
    const doc = await documents.get<TopOrdersDoc>('restaurant-stats', 'top-orders');
    return (doc?.top ?? []).map(({ productName, value }) => ({ productName, value }));
  },
};
