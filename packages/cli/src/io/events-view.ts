import type { RecordedEvent } from '@chronicle/core';
import { exportedEvent } from './ndjson.js';
import { printTable } from './output.js';

/** An event as `--json` prints it: the same fields as an export line. */
export const eventJson = exportedEvent;

function brief(value: unknown, width = 80): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** Prints events as a table; `withStream` adds the stream column (dumps). */
export function printEvents(events: readonly RecordedEvent[], withStream: boolean): void {
  const headers = withStream ? ['GLOBAL', 'STREAM', 'POS', 'RECORDED', 'TYPE', 'DATA'] : ['POS', 'GLOBAL', 'RECORDED', 'TYPE', 'DATA'];
  const rows = events.map((e) =>
    withStream
      ? [e.globalPosition, e.streamId, e.streamPosition, e.recordedAt.toISOString(), e.type, brief(e.data)]
      : [e.streamPosition, e.globalPosition, e.recordedAt.toISOString(), e.type, brief(e.data)],
  );
  printTable(headers, rows, '(no events)');
}
