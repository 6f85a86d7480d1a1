import type { Event } from '@chronicle/core';

/** One line of a drinks order. Prices are in cents. */
export type Order = {
  readonly orderId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly price: number;
  readonly comment?: string;
};

/** A table was reserved: the stream's first event. */
export type TableReserved = Event<'TableReserved', { reservationId: string; tableNumber: number; name: string; at: string; guests: number }>;
/** Drinks were ordered. */
export type DrinksOrdered = Event<'DrinksOrdered', { order: Order }>;
/** An order was brought to the table. */
export type DrinksServed = Event<'DrinksServed', { orderId: string }>;
/** The bill was paid in full. */
export type BillPaid = Event<'BillPaid', { amount: number }>;
/** The guests left: the stream's closing event. */
export type TableLeft = Event<'TableLeft', null>;

/** Everything that can happen to a table. */
export type TableEvent = TableReserved | DrinksOrdered | DrinksServed | BillPaid | TableLeft;
