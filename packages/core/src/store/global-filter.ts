import { ValidationError } from '../errors/errors.js';
import type { GlobalLogFilter } from './event-store.js';

/** Most entries in one list of a filter. */
export const MAX_FILTER_ENTRIES = 1_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertNames(value: unknown, path: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FILTER_ENTRIES) {
    throw ValidationError.of(
      path,
      `must be an array of 1 to ${MAX_FILTER_ENTRIES} strings (leave it out for no restriction)`,
    );
  }
  for (const [i, name] of value.entries()) {
    if (typeof name !== 'string' || name.length === 0)
      throw ValidationError.of(`${path}[${i}]`, 'must be a non-empty string');
  }
}

/** Throws `VALIDATION_FAILED` unless `filter` is a valid {@link GlobalLogFilter} (or undefined). */
export function assertGlobalLogFilter(filter: unknown, path = 'filter'): asserts filter is GlobalLogFilter | undefined {
  if (filter === undefined) return;
  if (!isPlainObject(filter))
    throw ValidationError.of(path, 'must be an object with eventTypes and/or streamIdPrefixes');
  const { eventTypes, streamIdPrefixes, ...unknown } = filter;
  const extra = Object.keys(unknown)[0];
  if (extra !== undefined)
    throw ValidationError.of(`${path}.${extra}`, 'is not a filter option (eventTypes, streamIdPrefixes)');
  assertNames(eventTypes, `${path}.eventTypes`);
  assertNames(streamIdPrefixes, `${path}.streamIdPrefixes`);
}

/**
 * The filter as a predicate over events (for stores and wrappers that filter
 * in process), or undefined when it lets everything through.
 */
export function filterPredicate(
  filter: GlobalLogFilter | undefined,
): ((event: { readonly type: string; readonly streamId: string }) => boolean) | undefined {
  if (!filter || (filter.eventTypes === undefined && filter.streamIdPrefixes === undefined)) return undefined;
  const types = filter.eventTypes ? new Set(filter.eventTypes) : undefined;
  const prefixes = filter.streamIdPrefixes;
  return (event) =>
    (!types || types.has(event.type)) && (!prefixes || prefixes.some((prefix) => event.streamId.startsWith(prefix)));
}
