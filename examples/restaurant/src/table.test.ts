import { spec } from '@chronicle/core/testing';
import { describe, it } from 'vitest';
import {
  BillUnpaidError,
  PaymentRejectedError,
  TableAlreadyReservedError,
  TableLeftError,
  TableNotReservedError,
  TooManyDrinksError,
  UnknownOrderError,
} from './errors.js';
import type { Order, TableEvent } from './events.js';
import { tableDecider } from './table.js';

const table = spec(tableDecider);
const reservation = { reservationId: 'r1', tableNumber: 6, name: 'Kim', at: '2025-05-26T19:00:00.000Z', guests: 2 };
const reserved: TableEvent = { type: 'TableReserved', data: reservation };
const cola: Order = { orderId: 'o1', productName: 'Cola', quantity: 3, price: 250 };
const water: Order = { orderId: 'o2', productName: 'Water', quantity: 1, price: 200 };
const ordered = (order: Order): TableEvent => ({ type: 'DrinksOrdered', data: { order } });
const served = (orderId: string): TableEvent => ({ type: 'DrinksServed', data: { orderId } });
const paid = (amount: number): TableEvent => ({ type: 'BillPaid', data: { amount } });
const left: TableEvent = { type: 'TableLeft', data: null };

describe('restaurant table', () => {
  describe('reserving', () => {
    it('a free table can be reserved', () => {
      table.given([]).when({ type: 'ReserveTable', ...reservation }).then([reserved]);
    });
    it('a reserved table cannot be reserved again', () => {
      table.given([reserved]).when({ type: 'ReserveTable', ...reservation }).thenThrows(TableAlreadyReservedError);
    });
    it('a reservation needs at least one guest', () => {
      table.given([]).when({ type: 'ReserveTable', ...reservation, guests: 0 }).thenThrows('VALIDATION_FAILED');
    });
  });

  describe('ordering drinks', () => {
    it('guests may order drinks', () => {
      table.given([reserved]).when({ type: 'OrderDrinks', order: cola }).then([ordered(cola)]);
    });
    it('up to twice as many drinks as guests', () => {
      table.given([reserved, ordered(cola)]).when({ type: 'OrderDrinks', order: water }).then([ordered(water)]);
    });
    it('Too many drinks: more than twice as many drinks as guests is refused', () => {
      table
        .given([reserved, ordered(cola)])
        .when({ type: 'OrderDrinks', order: { ...water, quantity: 2 } })
        .thenThrows((error) => error instanceof TooManyDrinksError && error.allowed === 4 && error.requested === 5);
    });
    it('a single order above the limit is refused', () => {
      table.given([reserved]).when({ type: 'OrderDrinks', order: { ...cola, quantity: 5 } }).thenThrows('TOO_MANY_DRINKS');
    });
    it('an unreserved table takes no orders', () => {
      table.given([]).when({ type: 'OrderDrinks', order: cola }).thenThrows(TableNotReservedError);
    });
    it('the state counts drinks and the bill', () => {
      table
        .given([reserved])
        .when({ type: 'OrderDrinks', order: cola })
        .thenState({ status: 'reserved', ...reservation, drinksOrdered: 3, waiting: [cola], bill: 750, paid: 0 });
    });
  });

  describe('serving', () => {
    it('an ordered drink is served once', () => {
      table.given([reserved, ordered(cola)]).when({ type: 'ServeDrinks', orderId: 'o1' }).then([served('o1')]);
      table.given([reserved, ordered(cola), served('o1')]).when({ type: 'ServeDrinks', orderId: 'o1' }).thenThrows(UnknownOrderError);
    });
  });

  describe('paying', () => {
    it('no payment before ordering', () => {
      table.given([reserved]).when({ type: 'PayBill', amount: 0 }).thenThrows(PaymentRejectedError);
    });
    it('the bill is paid in full, once', () => {
      table.given([reserved, ordered(cola)]).when({ type: 'PayBill', amount: 750 }).then([paid(750)]);
      table.given([reserved, ordered(cola)]).when({ type: 'PayBill', amount: 700 }).thenThrows('PAYMENT_REJECTED');
      table.given([reserved, ordered(cola), paid(750)]).when({ type: 'PayBill', amount: 750 }).thenThrows('PAYMENT_REJECTED');
    });
  });

  describe('leaving', () => {
    it('guests leave after paying', () => {
      table.given([reserved, ordered(cola), paid(750)]).when({ type: 'LeaveTable' }).then([left]);
      table.given([reserved]).when({ type: 'LeaveTable' }).then([left]);
    });
    it('guests cannot leave with an unpaid bill', () => {
      table.given([reserved, ordered(cola)]).when({ type: 'LeaveTable' }).thenThrows(BillUnpaidError);
    });
    it('nothing happens after leaving', () => {
      const history = [reserved, ordered(cola), paid(750), left];
      table.given(history).when({ type: 'OrderDrinks', order: water }).thenThrows(TableLeftError);
      table.given(history).when({ type: 'ServeDrinks', orderId: 'o1' }).thenThrows(TableLeftError);
      table.given(history).when({ type: 'PayBill', amount: 1 }).thenThrows(TableLeftError);
      table.given(history).when({ type: 'LeaveTable' }).thenThrows(TableLeftError);
      table.given(history).when({ type: 'ReserveTable', ...reservation }).thenThrows(TableAlreadyReservedError);
    });
  });
});
