import type { TableEvent } from '../events.js';
import { tableDecider, type Table, type TableCommand } from '../table.js';

/** Command handler (seed 003): state + command -> events, or a rejection. Pure. */
export class TableCommandHandler {
  handle(state: Table, command: TableCommand): readonly TableEvent[] {
    return tableDecider.decide(command, state) as readonly TableEvent[];
  }
}
