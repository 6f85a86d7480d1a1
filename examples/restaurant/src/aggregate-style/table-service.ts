import { retryDelay, WrongExpectedVersionError } from '@chronicle/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Order } from '../events.js';
import type { Table, TableCommand } from '../table.js';
import type { TableCommandHandler } from './table-command-handler.js';
import type { TableEventHandler } from './table-event-handler.js';
import type { TableRepository } from './table-repository.js';

/**
 * Service (seed 003): the public API and the place for rules that span
 * aggregates. Each call loads, decides, saves with the loaded version, and
 * retries on a concurrent write.
 */
export class TableService {
  constructor(
    private readonly repository: TableRepository,
    private readonly commands: TableCommandHandler,
    private readonly events: TableEventHandler,
  ) {}

  reserve(reservationId: string, tableNumber: number, name: string, at: Date, guests: number): Promise<Table> {
    return this.execute(reservationId, { type: 'ReserveTable', reservationId, tableNumber, name, at: at.toISOString(), guests });
  }

  orderDrinks(reservationId: string, order: Order): Promise<Table> {
    return this.execute(reservationId, { type: 'OrderDrinks', order });
  }

  serveDrinks(reservationId: string, orderId: string): Promise<Table> {
    return this.execute(reservationId, { type: 'ServeDrinks', orderId });
  }

  payBill(reservationId: string, amount: number): Promise<Table> {
    return this.execute(reservationId, { type: 'PayBill', amount });
  }

  leave(reservationId: string): Promise<Table> {
    return this.execute(reservationId, { type: 'LeaveTable' });
  }

  private async execute(reservationId: string, command: TableCommand): Promise<Table> {
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.repository.load(reservationId);
      const events = this.commands.handle(state, command);
      try {
        await this.repository.save(reservationId, events, version === 0 ? 'no_stream' : version);
        return events.reduce((next, event) => this.events.apply(next, event), state);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 10) throw error;
        await sleep(retryDelay({}, attempt));
      }
    }
  }
}
