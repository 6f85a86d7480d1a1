import { ValidationError, type Decider } from '@chronicle/core';
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

/** What guests and staff ask of a table. */
export type TableCommand =
  | { readonly type: 'ReserveTable'; readonly reservationId: string; readonly tableNumber: number; readonly name: string; readonly at: string; readonly guests: number }
  | { readonly type: 'OrderDrinks'; readonly order: Order }
  | { readonly type: 'ServeDrinks'; readonly orderId: string }
  | { readonly type: 'PayBill'; readonly amount: number }
  | { readonly type: 'LeaveTable' };

/** A table's state, folded from its events. */
export type Table =
  | { readonly status: 'empty' }
  | {
      readonly status: 'reserved' | 'left';
      readonly reservationId: string;
      readonly tableNumber: number;
      readonly name: string;
      readonly at: string;
      readonly guests: number;
      readonly drinksOrdered: number;
      /** Orders not served yet. */
      readonly waiting: readonly Order[];
      readonly bill: number;
      readonly paid: number;
    };

/** The table, if guests are seated at it; otherwise the rejection. */
function reserved(state: Table): Exclude<Table, { status: 'empty' }> {
  if (state.status === 'empty') throw new TableNotReservedError();
  if (state.status === 'left') throw new TableLeftError();
  return state;
}

function decide(command: TableCommand, state: Table): TableEvent[] {
  switch (command.type) {
    case 'ReserveTable': {
      if (state.status !== 'empty') throw new TableAlreadyReservedError();
      if (!Number.isInteger(command.guests) || command.guests < 1) throw ValidationError.of('guests', 'must be a whole number >= 1');
      const { reservationId, tableNumber, name, at, guests } = command;
      return [{ type: 'TableReserved', data: { reservationId, tableNumber, name, at, guests } }];
    }
    case 'OrderDrinks': {
      const table = reserved(state);
      if (!Number.isInteger(command.order.quantity) || command.order.quantity < 1) throw ValidationError.of('order.quantity', 'must be >= 1');
      const allowed = 2 * table.guests;
      if (table.drinksOrdered + command.order.quantity > allowed) {
        throw new TooManyDrinksError(allowed, table.drinksOrdered + command.order.quantity);
      }
      return [{ type: 'DrinksOrdered', data: { order: command.order } }];
    }
    case 'ServeDrinks': {
      const table = reserved(state);
      if (!table.waiting.some((order) => order.orderId === command.orderId)) throw new UnknownOrderError(command.orderId);
      return [{ type: 'DrinksServed', data: { orderId: command.orderId } }];
    }
    case 'PayBill': {
      const table = reserved(state);
      if (table.bill === 0) throw new PaymentRejectedError('nothing was ordered yet');
      if (table.paid >= table.bill) throw new PaymentRejectedError('the bill is already paid');
      if (command.amount !== table.bill - table.paid) {
        throw new PaymentRejectedError(`the bill is ${table.bill - table.paid}, not ${command.amount}`);
      }
      return [{ type: 'BillPaid', data: { amount: command.amount } }];
    }
    case 'LeaveTable': {
      const table = reserved(state);
      if (table.paid < table.bill) throw new BillUnpaidError(table.bill - table.paid);
      return [{ type: 'TableLeft', data: null }];
    }
  }
}

function evolve(state: Table, event: TableEvent): Table {
  switch (event.type) {
    case 'TableReserved':
      return { status: 'reserved', ...event.data, drinksOrdered: 0, waiting: [], bill: 0, paid: 0 };
    case 'DrinksOrdered':
      if (state.status === 'empty') return state;
      return {
        ...state,
        drinksOrdered: state.drinksOrdered + event.data.order.quantity,
        waiting: [...state.waiting, event.data.order],
        bill: state.bill + event.data.order.price * event.data.order.quantity,
      };
    case 'DrinksServed':
      if (state.status === 'empty') return state;
      return { ...state, waiting: state.waiting.filter((order) => order.orderId !== event.data.orderId) };
    case 'BillPaid':
      return state.status === 'empty' ? state : { ...state, paid: state.paid + event.data.amount };
    case 'TableLeft':
      return state.status === 'empty' ? state : { ...state, status: 'left' };
  }
}

/** The restaurant table (seed 001) as a decider. One stream per reservation: `table-<reservationId>`. */
export const tableDecider: Decider<TableCommand, TableEvent, Table> = {
  initialState: () => ({ status: 'empty' }),
  decide,
  evolve,
};

/** The stream holding one reservation's events. */
export const tableStream = (reservationId: string): string => `table-${reservationId}`;
