import type { RecordedEvent } from '../events/event.js';
import type { EventStore, ReadAllOptions, ReadStreamOptions, SubscribeOptions } from '../store/event-store.js';
import { hasStreamLifecycle, firstVisiblePosition } from '../store/stream-lifecycle.js';
import { assertReadAllOptions, assertReadStreamOptions } from '../store/validation.js';
import { filterPredicate } from '../store/global-filter.js';
import { NotSupportedError } from '../errors/errors.js';
import type { ColdStore } from './cold-store.js';
import { mergeSegments } from './merge.js';

/** Reported when a read was served from the cold tier alone because the hot store failed. */
export type FallbackNotice = { readonly operation: 'readStream' | 'readAll'; readonly error: unknown };

/** Options of {@link createTieredStore}. */
export type TieredStoreOptions = {
  readonly hot: EventStore;
  readonly cold: ColdStore;
  /** Called (with the hot store's error) whenever a history read fell back to cold storage. */
  readonly onFallback?: (notice: FallbackNotice) => void;
};

/** What a tiered store adds: its cold tier and the number of degraded reads. */
export type Tiers = { readonly cold: ColdStore; fallbacks(): number };

/** A tiered store. */
export type TieredStore<S extends EventStore> = S & { readonly tiers: Tiers };

function limited<T>(source: AsyncIterable<T>, limit: number | undefined): AsyncIterable<T> {
  if (limit === undefined) return source;
  return (async function* () {
    if (limit <= 0) return;
    let count = 0;
    for await (const item of source) {
      yield item;
      if (++count >= limit) return;
    }
  })();
}

/**
 * Hot and cold storage behind one store contract: appends and real-time
 * facts (stream versions, head) go to the hot store; history reads (streams
 * and the global log) merge archived events from the cold store with the hot
 * ones, in order, transparently. If the hot store fails, history reads are
 * served from the cold store alone and the fallback is reported.
 */
export function createTieredStore<S extends EventStore>(options: TieredStoreOptions & { readonly hot: S }): TieredStore<S> {
  const { hot, cold } = options;
  let fallbacks = 0;

  async function* withFallback(operation: FallbackNotice['operation'], merged: () => AsyncIterable<RecordedEvent>, coldOnly: () => AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
    let delivered = 0;
    try {
      for await (const event of merged()) {
        delivered++;
        yield event;
      }
    } catch (error) {
      if ((error as { code?: string }).code === 'VALIDATION_FAILED' || (error as { code?: string }).code === 'STREAM_DELETED' || delivered > 0) throw error;
      fallbacks++;
      options.onFallback?.({ operation, error });
      yield* coldOnly();
    }
  }

  async function visibleFrom(streamId: string): Promise<number> {
    if (!hasStreamLifecycle(hot)) return 1;
    const info = await hot.getStreamInfo(streamId);
    if (!info) return Number.POSITIVE_INFINITY;
    return firstVisiblePosition(info.version, await hot.getStreamMetadata(streamId), 0);
  }

  function readStream(streamId: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    assertReadStreamOptions(streamId, readOptions);
    const backwards = readOptions.direction === 'backwards';
    const inRange = (event: RecordedEvent): boolean =>
      readOptions.from === undefined || (backwards ? event.streamPosition <= readOptions.from : event.streamPosition >= readOptions.from);
    const merged = async function* (): AsyncGenerator<RecordedEvent> {
      const first = await visibleFrom(streamId);
      const archived = async function* (): AsyncGenerator<RecordedEvent> {
        for await (const event of cold.readStream(streamId, backwards ? { direction: 'backwards' } : {})) if (event.streamPosition >= first && inRange(event)) yield event;
      };
      const recent = hot.readStream(streamId, { ...(readOptions.from === undefined ? {} : { from: readOptions.from }), direction: readOptions.direction ?? 'forwards' });
      if (backwards) {
        const seen = new Set<number>();
        for await (const event of recent) {
          seen.add(event.streamPosition);
          yield event;
        }
        for await (const event of archived()) if (!seen.has(event.streamPosition)) yield event;
      } else {
        yield* mergeSegments([{ first: 0, source: archived() }, { first: 0, source: recent }], (s) => s.source);
      }
    };
    const coldOnly = async function* (): AsyncGenerator<RecordedEvent> {
      for await (const event of cold.readStream(streamId, backwards ? { direction: 'backwards' } : {})) if (inRange(event)) yield event;
    };
    return limited(withFallback('readStream', merged, coldOnly), readOptions.limit);
  }

  function readAll(readOptions: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    assertReadAllOptions(readOptions);
    // The cold tier is read forwards only (gzip segments); refused rather than read the wrong way.
    if (readOptions.direction === 'backwards') {
      const operation = "readAll({ direction: 'backwards' })";
      throw new NotSupportedError(operation, `tiered ${hot.info.name}`, 'the cold tier reads forwards only');
    }
    const { after = 0, before, filter } = readOptions;
    const passes = filterPredicate(filter);
    // The hot store filters in its query; archived events are filtered here.
    const archived = async function* (): AsyncGenerator<RecordedEvent> {
      for await (const event of cold.readAll({ after })) {
        if (before !== undefined && event.globalPosition >= before) return;
        if (!passes || passes(event)) yield event;
      }
    };
    const recent = (): AsyncIterable<RecordedEvent> =>
      hot.readAll({ after, ...(before === undefined ? {} : { before }), ...(filter ? { filter } : {}) });
    const merged = (): AsyncIterable<RecordedEvent> =>
      mergeSegments([{ first: 0, source: archived() }, { first: 0, source: recent() }], (s) => s.source);
    return limited(withFallback('readAll', merged, archived), readOptions.limit);
  }

  function subscribe(subscribeOptions: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    // From the end only new events matter: the hot store's subscription, its start fixed now.
    const start = subscribeOptions.after ?? 'start';
    if (start === 'end') return hot.subscribe(subscribeOptions);
    return catchUpThenHot(subscribeOptions, start);
  }

  async function* catchUpThenHot(options: SubscribeOptions, start: number | 'start'): AsyncGenerator<RecordedEvent> {
    let position = start === 'start' ? 0 : start;
    const head = await hot.headPosition();
    for await (const event of readAll({ after: position, ...(options.filter ? { filter: options.filter } : {}) })) {
      if (options.signal?.aborted) return;
      if (event.globalPosition > head) break;
      position = event.globalPosition;
      yield event;
    }
    yield* hot.subscribe({ ...options, after: position });
  }

  const wrapped: Partial<EventStore> & { tiers: Tiers } = {
    readStream,
    readAll,
    subscribe,
    tiers: { cold, fallbacks: () => fallbacks },
  };
  return new Proxy(hot, {
    get(target, property) {
      if (property in wrapped) return wrapped[property as keyof typeof wrapped];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as TieredStore<S>;
}
