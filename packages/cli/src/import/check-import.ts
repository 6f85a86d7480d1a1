import { isArchivable, prepareEvents, type EventStore } from '@chronicle/core';
import { readLines, parseEventLine, toNewEvent } from '../io/ndjson.js';
import { IdHashSet, idHash } from './id-hashes.js';

/** Something in an import file that conflicts with itself or with the target store. */
export type ImportConflict = {
  readonly kind: 'invalid-event' | 'stream-exists' | 'stream-start' | 'position-gap' | 'global-order' | 'duplicate-event-id' | 'event-id-exists';
  readonly message: string;
  readonly line?: number;
};

/** What a checked file holds. */
export type ImportCheck = {
  readonly events: number;
  readonly streams: number;
  readonly bytes: number;
  /** The first conflicts found (at most `limit`). */
  readonly conflicts: readonly ImportConflict[];
  readonly conflictCount: number;
};

type StreamRange = { first: number; last: number; line: number; version: number };

/** Options of {@link checkImport}. */
export type CheckImportOptions = {
  /** Conflicts listed (all are counted); default 20. */
  readonly limit?: number;
  /**
   * Finish an interrupted import: events the target already holds (same
   * stream, position at or below its version, and the same event id at the
   * version) are expected and will be skipped.
   */
  readonly resume?: boolean;
  readonly onProgress?: (bytes: number, phase: 'file' | 'target', events?: number) => void;
};

/** The id of a stream's last event in the target. */
async function lastEventId(store: EventStore, streamId: string): Promise<string | undefined> {
  for await (const event of store.readStream(streamId, { direction: 'backwards', limit: 1 })) return event.eventId;
  return undefined;
}

/**
 * Reads an export file and checks, without changing anything, that importing
 * it would succeed: lines parse, events pass the store's validation (ids,
 * types, sizes), global positions increase, each stream's
 * positions are contiguous, each stream continues the target's version
 * exactly (a new stream starts at 1; an existing one at version + 1), and no
 * event id repeats in the file or already exists in the target. Memory grows
 * with the number of streams (and 8 bytes per event id), not with the data.
 */
export async function checkImport(file: string, store: EventStore, options: CheckImportOptions = {}): Promise<ImportCheck> {
  const limit = options.limit ?? 20;
  const conflicts: ImportConflict[] = [];
  let conflictCount = 0;
  const conflict = (c: ImportConflict): void => {
    conflictCount++;
    if (conflicts.length < limit) conflicts.push(c);
  };
  // Not the head position alone: PostgreSQL's head may lag behind committed streams.
  let empty = (await store.headPosition()) === 0;
  for await (const _ of store.listStreams({ limit: 1 })) empty = false;
  const streams = new Map<string, StreamRange>();
  const ids = new IdHashSet();
  let events = 0;
  let bytes = 0;
  let lastGlobal = 0;
  for await (const { text, lineNumber, bytesRead } of readLines(file)) {
    const event = parseEventLine(text, lineNumber);
    events++;
    bytes = bytesRead;
    try {
      // Exactly the store's own checks (ids, types, sizes), so the append pass cannot fail on them.
      prepareEvents(event.streamId, [toNewEvent(event)], store.info.maxEventBytes, () => event.eventId, `line ${lineNumber}`);
    } catch (error) {
      conflict({ kind: 'invalid-event', line: lineNumber, message: (error as Error).message });
    }
    if (event.globalPosition <= lastGlobal) conflict({ kind: 'global-order', line: lineNumber, message: `line ${lineNumber}: global position ${event.globalPosition} does not follow ${lastGlobal}` });
    lastGlobal = event.globalPosition;
    let range = streams.get(event.streamId);
    if (range && event.streamPosition !== range.last + 1) {
      conflict({ kind: 'position-gap', line: lineNumber, message: `line ${lineNumber}: ${event.streamId} position ${event.streamPosition} does not follow ${range.last}` });
    }
    if (range) range.last = event.streamPosition;
    else {
      const version = empty ? 0 : ((await store.getStreamInfo(event.streamId))?.version ?? 0);
      range = { first: event.streamPosition, last: event.streamPosition, line: lineNumber, version };
      streams.set(event.streamId, range);
    }
    if (options.resume && range.version > 0 && event.streamPosition === range.version && (await lastEventId(store, event.streamId)) !== event.eventId) {
      conflict({ kind: 'stream-exists', line: lineNumber, message: `line ${lineNumber}: ${event.streamId}@${range.version} holds another event in the target; cannot resume` });
    }
    ids.add(event.eventId);
    if (events % 10_000 === 0) options.onProgress?.(bytes, 'file', events);
  }
  options.onProgress?.(bytes, 'file', events);

  for (const [streamId, range] of streams) {
    const { version } = range;
    const continues = options.resume ? range.first <= version + 1 && range.last >= version : range.first === version + 1;
    if (continues) continue;
    if (version > 0) conflict({ kind: 'stream-exists', line: range.line, message: `${streamId} exists at version ${version}; the file ${options.resume ? `holds ${range.first}..${range.last}` : `starts it at ${range.first}`}` });
    else conflict({ kind: 'stream-start', line: range.line, message: `${streamId} is new but the file starts it at position ${range.first}` });
  }
  const alreadyImported = (streamId: string, position: number): boolean => options.resume === true && position <= (streams.get(streamId)?.version ?? 0);

  // Hash hits are candidates; the exact ids are compared on a second, targeted pass.
  const repeated = ids.repeated();
  const existing = new Set<string>();
  if (!empty) {
    let scanned = 0;
    // Hidden events (deleted or truncated streams) still own their ids.
    for await (const event of isArchivable(store) ? store.readAllStored() : store.readAll()) {
      if (ids.has(idHash(event.eventId)) && !alreadyImported(event.streamId, event.streamPosition)) existing.add(event.eventId);
      if (++scanned % 10_000 === 0) options.onProgress?.(scanned, 'target');
    }
  }
  if (repeated.size > 0 || existing.size > 0) {
    const seen = new Set<string>();
    for await (const { text, lineNumber } of readLines(file)) {
      const { eventId, streamId, streamPosition } = parseEventLine(text, lineNumber);
      if (existing.has(eventId) && !alreadyImported(streamId, streamPosition)) conflict({ kind: 'event-id-exists', line: lineNumber, message: `line ${lineNumber}: event id ${eventId} already exists in the target` });
      if (!repeated.has(idHash(eventId))) continue;
      if (seen.has(eventId)) conflict({ kind: 'duplicate-event-id', line: lineNumber, message: `line ${lineNumber}: event id ${eventId} appears twice in the file` });
      seen.add(eventId);
    }
  }
  return { events, streams: streams.size, bytes, conflicts, conflictCount };
}
