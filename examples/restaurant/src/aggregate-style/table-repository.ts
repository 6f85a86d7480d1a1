import { aggregateStream, type EventStore, type ExpectedVersion, type LoadedState } from '@chronicle/core';
import type { TableEvent } from '../events.js';
import { tableStream, type Table } from '../table.js';
import type { TableEventHandler } from './table-event-handler.js';

/** Repository (seed 003): loads a table by folding its stream, saves new events with an expected version. */
export class TableRepository {
  constructor(
    private readonly store: EventStore,
    private readonly events: TableEventHandler,
  ) {}

  load(reservationId: string): Promise<LoadedState<Table>> {
    return aggregateStream(this.store, tableStream(reservationId), {
      initialState: () => this.events.initialState(),
      evolve: (state, event: TableEvent) => this.events.apply(state, event),
    });
  }

  async save(reservationId: string, events: readonly TableEvent[], expectedVersion: ExpectedVersion): Promise<number> {
    if (events.length === 0) return typeof expectedVersion === 'number' ? expectedVersion : 0;
    const result = await this.store.append(tableStream(reservationId), events, expectedVersion);
    return result.nextExpectedVersion;
  }
}
