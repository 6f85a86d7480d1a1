import { createReadStream } from 'node:fs';
import type { EventMetadata, NewEvent, RecordedEvent } from '@chronicle/core';
import { CliError, exitCodes } from '../errors.js';

/** One exported event: a `RecordedEvent` with `recordedAt` as an ISO string, one per line. */
export type ExportedEvent = {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: string;
};

/** An event as the CLI writes it (export lines, `--json`): field order fixed, so equal events give equal text. */
export function exportedEvent(event: RecordedEvent): ExportedEvent {
  return {
    eventId: event.eventId,
    streamId: event.streamId,
    streamPosition: event.streamPosition,
    globalPosition: event.globalPosition,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}

/** The NDJSON line of an event. */
export function eventLine(event: RecordedEvent): string {
  return JSON.stringify(exportedEvent(event));
}

function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** The event to append for an exported one (same id, type, data and metadata). */
export function toNewEvent(event: ExportedEvent): NewEvent {
  return { eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata };
}

/** Parses and checks one line of an export file; throws a `CliError` naming the line. */
export function parseEventLine(text: string, lineNumber: number): ExportedEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`line ${lineNumber}: not JSON (${(error as Error).message})`, exitCodes.findings);
  }
  const e = value as Partial<ExportedEvent> | null;
  const problem =
    typeof e !== 'object' || e === null || Array.isArray(e)
      ? 'not an object'
      : typeof e.eventId !== 'string' || e.eventId.length === 0
        ? 'eventId must be a string'
        : typeof e.streamId !== 'string' || e.streamId.length === 0
          ? 'streamId must be a string'
          : !positiveInteger(e.streamPosition)
            ? 'streamPosition must be an integer >= 1'
            : !positiveInteger(e.globalPosition)
              ? 'globalPosition must be an integer >= 1'
              : typeof e.type !== 'string' || e.type.length === 0
                ? 'type must be a string'
                : !('data' in e)
                  ? 'data is missing'
                  : e.metadata !== undefined && (typeof e.metadata !== 'object' || e.metadata === null || Array.isArray(e.metadata))
                    ? 'metadata must be an object'
                    : undefined;
  if (problem) throw new CliError(`line ${lineNumber}: ${problem}`, exitCodes.findings);
  return { ...(e as ExportedEvent), metadata: e!.metadata ?? {} };
}

/** A line of a file with its number and the bytes read so far (for progress). */
export type FileLine = { readonly text: string; readonly lineNumber: number; readonly bytesRead: number };

const NEWLINE = 0x0a;

/**
 * Streams the non-empty lines of a file (UTF-8, `\n` or `\r\n`): memory stays
 * constant whatever its size. Splits buffers by hand, which allocates far less
 * than `readline` on millions of lines.
 */
export async function* readLines(file: string): AsyncGenerator<FileLine> {
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  let carry: Buffer | undefined;
  let lineNumber = 0;
  let bytesRead = 0;
  const line = (bytes: Buffer): string => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return bytes.toString('utf8', 0, end);
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      let start = 0;
      let newline = chunk.indexOf(NEWLINE);
      while (newline !== -1) {
        const piece = carry ? Buffer.concat([carry, chunk.subarray(start, newline)]) : chunk.subarray(start, newline);
        carry = undefined;
        lineNumber++;
        const text = line(piece);
        if (text.trim() !== '') yield { text, lineNumber, bytesRead };
        start = newline + 1;
        newline = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
    }
    if (carry && carry.length > 0) {
      lineNumber++;
      const text = line(carry);
      if (text.trim() !== '') yield { text, lineNumber, bytesRead };
    }
  } finally {
    input.destroy();
  }
}
