import { ValidationError } from '../errors/errors.js';
import type { NewEvent, RecordedEvent } from '../events/event.js';
import type { EventStore, GlobalLogFilter, ReadAllOptions, StreamAppend } from '../store/event-store.js';
import { SCHEMA_VERSION_KEY, upcast, validateData, type EventSchemas } from './event-schemas.js';

async function* upcastAll(schemas: EventSchemas, events: AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
  for await (const event of events) yield* upcast(schemas, event);
}

/**
 * A global-log read or subscription with an event-type filter, as the store
 * is asked for it: an upcaster may rename a type, so the store returns the
 * requested types plus every type that has upcasters, and {@link onlyWanted}
 * filters the upcast events. Other filters pass through unchanged.
 */
function widened<O extends { readonly filter?: GlobalLogFilter }>(
  schemas: EventSchemas,
  options: O,
  types: readonly string[],
): O {
  const renaming = Object.keys(schemas).filter((type) => Object.keys(schemas[type]?.upcasters ?? {}).length > 0);
  return { ...options, filter: { ...options.filter, eventTypes: [...new Set([...types, ...renaming])] } };
}

/** The upcast events of the wanted types, at most `limit`. */
async function* onlyWanted(
  events: AsyncIterable<RecordedEvent>,
  types: readonly string[],
  limit: number | undefined,
): AsyncGenerator<RecordedEvent> {
  const wanted = new Set(types);
  let count = 0;
  if (limit === 0) return;
  for await (const event of events) {
    if (!wanted.has(event.type)) continue;
    yield event;
    if (limit !== undefined && ++count >= limit) return;
  }
}

function readLog(
  schemas: EventSchemas,
  store: EventStore,
  options: ReadAllOptions | undefined,
): AsyncIterable<RecordedEvent> {
  const types = options?.filter?.eventTypes;
  if (!Array.isArray(types)) return upcastAll(schemas, store.readAll(options));
  const { limit, ...rest } = options!;
  return onlyWanted(upcastAll(schemas, store.readAll(widened(schemas, rest, types))), types, limit);
}

function stamp(schemas: EventSchemas, events: readonly NewEvent[]): NewEvent[] {
  const issues = validateData(schemas, events);
  if (issues.length > 0) throw new ValidationError(issues);
  return events.map((event) => {
    const version = schemas[event?.type]?.version;
    if (version === undefined || event.metadata?.[SCHEMA_VERSION_KEY] !== undefined) return event;
    return { ...event, metadata: { ...event.metadata, [SCHEMA_VERSION_KEY]: version } };
  });
}

/**
 * Wraps a store so that every read path returns current event versions
 * (stream reads, the global log, subscriptions — and so aggregate loads,
 * projection runners, reactors, the HTTP API, the explorer and the CLI built
 * on it), and every append is validated against the schemas and stamped with
 * the type's current version. Other properties of the store (such as its
 * projection host) are kept.
 *
 * Note: a backwards read of a split event yields its parts in forward order.
 */
export function withEventSchemas<S extends EventStore>(store: S, schemas: EventSchemas): S {
  const wrapped: EventStore = {
    info: store.info,
    append: async (streamId, events, expected) => store.append(streamId, Array.isArray(events) ? stamp(schemas, events) : events, expected),
    appendMulti: async (appends: readonly StreamAppend[]) =>
      store.appendMulti(Array.isArray(appends) ? appends.map((a) => ({ ...a, events: Array.isArray(a?.events) ? stamp(schemas, a.events) : a?.events })) : appends),
    readStream: (streamId, options) => upcastAll(schemas, store.readStream(streamId, options)),
    readAll: (options) => readLog(schemas, store, options),
    subscribe: (options) => {
      const types = options?.filter?.eventTypes;
      if (!Array.isArray(types)) return upcastAll(schemas, store.subscribe(options));
      return onlyWanted(upcastAll(schemas, store.subscribe(widened(schemas, options!, types))), types, undefined);
    },
    getStreamInfo: (streamId) => store.getStreamInfo(streamId),
    listStreams: (options) => store.listStreams(options),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
  // A proxy keeps everything else the store offers (its projection host, adapter extras), methods on prototypes included.
  return new Proxy(store, {
    get(target, property) {
      if (property in wrapped) return wrapped[property as keyof EventStore];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
