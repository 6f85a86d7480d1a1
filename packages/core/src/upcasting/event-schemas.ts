import { createHash } from 'node:crypto';
import { ValidationError, type ValidationIssue } from '../errors/errors.js';
import type { RecordedEvent } from '../events/event.js';

/** The slice of a zod schema (or any validator with the same shape) used to check event data on append. */
export type DataSchema = {
  safeParse(data: unknown): { success: true } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
};

/** An event as an upcaster sees and returns it. */
export type UpcastEvent = { readonly type: string; readonly data: unknown };

/** Turns an event stored at one schema version into the next version: change data, rename, or split into several. */
export type Upcaster = (event: UpcastEvent & { readonly metadata: RecordedEvent['metadata'] }) => UpcastEvent | readonly UpcastEvent[];

/** What Chronicle knows of one event type. */
export type EventTypeSchema = {
  /** The version new events are written at (default 1). Stored events without a version are version 1. */
  readonly version?: number;
  /** `upcasters[v]` upgrades version v to v + 1. */
  readonly upcasters?: Readonly<Record<number, Upcaster>>;
  /** Validates data on append (the current version); bad data fails with `VALIDATION_FAILED` and nothing is written. */
  readonly schema?: DataSchema;
};

/** Event types by name. */
export type EventSchemas = Readonly<Record<string, EventTypeSchema>>;

/** The metadata key holding an event's schema version. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

function derivedId(eventId: string, index: number): string {
  const hex = createHash('sha1').update(`${eventId}/${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The stored schema version of an event (1 when unmarked, as written by releases before versioning). */
export function storedVersion(event: Pick<RecordedEvent, 'metadata'>): number {
  const version = event.metadata[SCHEMA_VERSION_KEY];
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 ? version : 1;
}

/**
 * Upgrades a stored event to the current versions, applying upcasters in a
 * chain (v1 → v2 → v3). A split yields several events: the first keeps the
 * event id, the others get ids derived from it deterministically. Events
 * without upcasters come back unchanged (same object).
 */
export function upcast(schemas: EventSchemas, event: RecordedEvent): RecordedEvent[] {
  let version = storedVersion(event);
  if (!schemas[event.type]?.upcasters?.[version]) return [event];
  let current: UpcastEvent[] = [{ type: event.type, data: event.data }];
  for (;;) {
    const next: UpcastEvent[] = [];
    let changed = false;
    for (const item of current) {
      const upcaster = schemas[item.type]?.upcasters?.[version];
      if (!upcaster) {
        next.push(item);
        continue;
      }
      changed = true;
      const result = upcaster({ ...item, metadata: event.metadata });
      next.push(...(Array.isArray(result) ? (result as readonly UpcastEvent[]) : [result as UpcastEvent]));
    }
    if (!changed) break;
    current = next;
    version++;
  }
  const storedAs = { type: event.type, schemaVersion: storedVersion(event) };
  return current.map((item, index) => ({
    ...event,
    eventId: index === 0 ? event.eventId : derivedId(event.eventId, index),
    type: item.type,
    data: item.data,
    metadata: { ...event.metadata, [SCHEMA_VERSION_KEY]: version },
    storedAs,
  }));
}

/** Validates new events against their schemas; returns the issues found. */
export function validateData(schemas: EventSchemas, events: readonly UpcastEvent[], path = 'events'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  events.forEach((event, index) => {
    const result = schemas[event.type]?.schema?.safeParse(event.data);
    if (!result || result.success) return;
    for (const issue of result.error.issues) {
      issues.push({ path: [`${path}[${index}].data`, ...issue.path.map(String)].join('.'), message: issue.message });
    }
  });
  return issues;
}
