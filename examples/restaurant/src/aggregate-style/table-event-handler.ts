import type { TableEvent } from '../events.js';
import { tableDecider, type Table } from '../table.js';

/** Event handler (seed 003): state + event -> state. Pure. */
export class TableEventHandler {
  initialState(): Table {
    return tableDecider.initialState();
  }

  apply(state: Table, event: TableEvent): Table {
    return tableDecider.evolve(state, event);
  }
}
