import { DomainError } from '@chronicle/core';

/** A command arrived for a table that was never reserved. */
export class TableNotReservedError extends DomainError {
  constructor() {
    super('TABLE_NOT_RESERVED', 'this table has no reservation');
  }
}

/** The reservation already exists. */
export class TableAlreadyReservedError extends DomainError {
  constructor() {
    super('TABLE_ALREADY_RESERVED', 'this table is already reserved');
  }
}

/** The guests left; the table's story is over. */
export class TableLeftError extends DomainError {
  constructor() {
    super('TABLE_LEFT', 'the guests have left this table');
  }
}

/** At most twice as many drinks as guests ("Too many drinks :-)"). */
export class TooManyDrinksError extends DomainError {
  constructor(
    readonly allowed: number,
    readonly requested: number,
  ) {
    super('TOO_MANY_DRINKS', `Too many drinks: ${requested} requested, ${allowed} allowed`);
  }
}

/** Serving an order that was not ordered, or was already served. */
export class UnknownOrderError extends DomainError {
  constructor(readonly orderId: string) {
    super('UNKNOWN_ORDER', `order ${orderId} is not waiting to be served`);
  }
}

/** Paying before ordering, paying twice, or paying the wrong amount. */
export class PaymentRejectedError extends DomainError {
  constructor(reason: string) {
    super('PAYMENT_REJECTED', reason);
  }
}

/** Leaving with an unpaid bill. */
export class BillUnpaidError extends DomainError {
  constructor(readonly outstanding: number) {
    super('BILL_UNPAID', `the bill of ${outstanding} is not paid`);
  }
}
