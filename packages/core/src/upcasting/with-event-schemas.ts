import { ValidationError } from '../errors/errors.js';
import type { NewEvent, RecordedEvent } from '../events/event.js';
import type { EventStore, StreamAppend } from '../store/event-store.js';
import { SCHEMA_VERSION_KEY, upcast, validateData, type EventSchemas } from './event-schemas.js';

async function* upcastAll(schemas: EventSchemas, events: AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
  for await (const event of events) yield* upcast(schemas, event);
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
    readAll: (options) => upcastAll(schemas, store.readAll(options)),
    subscribe: (options) => upcastAll(schemas, store.subscribe(options)),
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
