import { DuplicateEventIdError, RetryMismatchError, WrongExpectedVersionError } from '../errors/errors.js';
import type { NewEvent, RecordedEvent } from '../events/event.js';
import type { AppendResult } from './event-store.js';
import type { PreparedEvent } from './validation.js';

/** One stream's part of an append, as the store prepared it. */
export type RepeatablePart = { readonly streamId: string; readonly events: readonly PreparedEvent[] };

/** The stored events with any of these ids, in any order; hidden (deleted, truncated) ones included. */
export type EventsById = (eventIds: readonly string[]) => Promise<readonly RecordedEvent[]>;

/** Whether an append carried ids of its own (only then can it repeat a stored one). */
export function suppliesEventIds(events: readonly NewEvent[] | undefined): boolean {
  return Array.isArray(events) && events.some((event) => event?.eventId !== undefined);
}

type Verdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'repeat'; readonly result: AppendResult }
  | { readonly kind: 'mismatch'; readonly error: Error };

function judge(part: RepeatablePart, byId: ReadonlyMap<string, RecordedEvent>): Verdict {
  const found = part.events.map((event) => byId.get(event.eventId));
  const stored = part.events.filter((_, i) => found[i] !== undefined).map((event) => event.eventId);
  if (stored.length === 0) return { kind: 'new' };
  for (const [i, event] of part.events.entries()) {
    const match = found[i];
    if (match && (match.streamId !== part.streamId || match.type !== event.type)) {
      const where =
        match.streamId === part.streamId
          ? `as a ${match.type}, not a ${event.type}`
          : `in stream ${JSON.stringify(match.streamId)}`;
      return { kind: 'mismatch', error: new DuplicateEventIdError(event.eventId, `it is stored ${where}`) };
    }
  }
  const newIds = part.events.filter((_, i) => found[i] === undefined).map((event) => event.eventId);
  if (newIds.length > 0) {
    const reason =
      `${stored.length} of its ${part.events.length} event ids are stored, ${newIds.length} are not ` +
      '(a retry must send the very same events)';
    return { kind: 'mismatch', error: new RetryMismatchError(part.streamId, stored, newIds, reason) };
  }
  const events = found as RecordedEvent[];
  const first = events[0]!.streamPosition;
  if (events.some((event, i) => event.streamPosition !== first + i)) {
    const at = events.map((e) => e.streamPosition).join(', ');
    const reason = `its events are stored at positions ${at}, not in this order one after another`;
    return { kind: 'mismatch', error: new RetryMismatchError(part.streamId, stored, [], reason) };
  }
  const last = events[events.length - 1]!;
  return {
    kind: 'repeat',
    result: {
      streamId: part.streamId,
      nextExpectedVersion: last.streamPosition,
      globalPosition: last.globalPosition,
      events,
      replayed: true,
    },
  };
}

/**
 * The store-level idempotency rule every adapter applies after an append
 * failed with `WRONG_EXPECTED_VERSION` or `DUPLICATE_EVENT_ID` (the failures
 * a repeated append meets), when the caller supplied event ids. Returns the
 * original results (`replayed: true`, nothing written) when every part repeats
 * stored events exactly: same ids and types, same order, consecutive positions
 * of the same stream. Returns undefined when none of the ids is stored (the
 * failure stands). Throws `DUPLICATE_EVENT_ID` when an id belongs to another
 * stream's event or to an event of another type, and `RETRY_MISMATCH` when
 * the append repeats stored events of its stream only in part, or out of order.
 */
export async function repeatedAppend(
  parts: readonly RepeatablePart[],
  eventsById: EventsById,
): Promise<AppendResult[] | undefined> {
  const ids = parts.flatMap((part) => part.events.map((event) => event.eventId));
  const stored = await eventsById(ids);
  if (stored.length === 0) return undefined;
  const byId = new Map(stored.map((event) => [event.eventId, event]));
  const verdicts = parts.map((part) => judge(part, byId));
  const mismatch = verdicts.find((v): v is Extract<Verdict, { kind: 'mismatch' }> => v.kind === 'mismatch');
  if (mismatch) throw mismatch.error;
  const fresh = parts.filter((_, i) => verdicts[i]!.kind === 'new');
  if (fresh.length === parts.length) return undefined;
  if (fresh.length > 0) {
    const part = fresh[0]!;
    const ids = part.events.map((event) => event.eventId);
    throw new RetryMismatchError(
      part.streamId,
      [],
      ids,
      'the other streams of this multi-stream append are stored, this one is not',
    );
  }
  return verdicts.map((v) => (v as Extract<Verdict, { kind: 'repeat' }>).result);
}

/**
 * Runs `append`; when it fails as a repeated append would, applies
 * {@link repeatedAppend}: the original results, or the original failure when
 * nothing was stored before. For appends whose caller supplied event ids
 * ({@link suppliesEventIds}); others cannot repeat anything.
 */
export async function appendOrRepeat(
  parts: readonly RepeatablePart[],
  append: () => Promise<AppendResult[]>,
  eventsById: EventsById,
): Promise<AppendResult[]> {
  try {
    return await append();
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError || error instanceof DuplicateEventIdError)) throw error;
    const original = await repeatedAppend(parts, eventsById);
    if (original) return original;
    throw error;
  }
}
