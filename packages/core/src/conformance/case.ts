import { randomUUID } from 'node:crypto';
import { createCommandHandler } from '../commands/command-handler.js';
import { aggregateStream } from '../decider/aggregate-stream.js';
import type { NewEvent, RecordedEvent } from '../events/event.js';
import type { EventStore, StoreInfo } from '../store/event-store.js';

/** The rules of the store contract; every case tests one of them. */
export const conformanceRules = {
  'expected-version': "Each expected-version mode ('any', 'no_stream', 'stream_exists', exact) accepts and rejects as specified.",
  'no-trace-on-reject': 'A rejected append changes nothing; the next append at the actual version succeeds.',
  concurrency: 'Of concurrent appends at one expected version exactly one wins; the losers store nothing.',
  'multi-stream': 'A multi-stream append is all or nothing (or refused with NOT_SUPPORTED, writing nothing).',
  'global-order': 'Global positions strictly increase; global readers never see an event twice or miss one.',
  'read-stream': 'Stream reads honour direction, from and limit.',
  streaming: 'Reads stream: memory does not grow with the stream length.',
  payloads: 'Data and metadata round-trip exactly, including unicode and large payloads.',
  'event-identity': 'Events get unique ids and a recording time; supplied ids are kept, duplicates refused.',
  validation: 'Bad input gets a typed error and writes nothing.',
  'stream-info': 'Stream lookup, listing and the head position are exact.',
  subscribe: "Subscriptions catch up then go live, honour 'end' and stop when asked.",
  immutability: 'Mutating appended or read objects never changes what is stored.',
  close: 'Closing ends open subscriptions; later calls fail with STORE_CLOSED; closing twice is harmless.',
  lifecycle: 'Stream metadata (maxCount, maxAge, truncateBefore, custom) is honoured by reads; soft delete hides and allows recreation; hard delete refuses appends forever.',
  archive: 'Purged (archived) events leave the hot store without changing stream versions or later appends.',
  'global-log-reads':
    'readAll reads backwards as well as forwards, honours after/before bounds and filters (event types, ' +
    'stream-id prefixes) in the store, and refuses options it cannot honour.',
  'idempotent-append':
    'An append that repeats stored events exactly (same ids, order and stream) returns the original result ' +
    'and writes nothing; a partial repeat is refused.',
  'command-handling':
    "Core's fold and command handler on the store: versions are real heads, an explicit expected version " +
    'is checked before decide, async deciders are refused.',
} as const;

/** Id of a contract rule. */
export type ConformanceRule = keyof typeof conformanceRules;

/** What a case receives. */
export type ConformanceContext = {
  readonly store: EventStore;
  /** A fresh stream id (unique per call), so cases never collide even on a shared store. */
  readonly streamId: (label?: string) => string;
  /** Core's command handler (the mutant suite substitutes broken ones). */
  readonly createCommandHandler: typeof createCommandHandler;
  /** Core's stream fold (the mutant suite substitutes broken ones). */
  readonly aggregateStream: typeof aggregateStream;
};

/** One executable rule check. */
export type ConformanceCase = {
  readonly rule: ConformanceRule;
  readonly name: string;
  readonly timeoutMs?: number;
  /** Capabilities the store must have (or lack) for this case to apply; otherwise it is reported as skipped. */
  readonly requires?: Partial<Pick<StoreInfo, 'multiStreamAppend'>> & { readonly lifecycle?: true; readonly archive?: true };
  readonly run: (context: ConformanceContext) => Promise<void>;
};

/** Builds a context for a store; `core` replaces core functions the cases call (for mutants). */
export function contextFor(
  store: EventStore,
  core: Partial<Omit<ConformanceContext, 'store' | 'streamId'>> = {},
): ConformanceContext {
  const streamId = (label = 'stream'): string => `${label}-${randomUUID()}`;
  return { store, streamId, createCommandHandler, aggregateStream, ...core };
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** `n` simple events whose data carries `tag` and an index. */
export function events(n: number, tag = 'e', type = 'Happened'): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({ type, data: { tag, i } }));
}

/** Awaits `promise` and returns the error it rejects with; fails if it resolves or the code differs. */
export async function rejection(promise: Promise<unknown>, code: string): Promise<Error & Record<string, unknown>> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    const actual = (error as { code?: unknown }).code;
    if (actual !== code) {
      throw new Error(`expected error code ${code}, got ${String(actual)}: ${(error as Error).message}`, { cause: error });
    }
    return error as Error & Record<string, unknown>;
  }
  throw new Error(`expected a rejection with code ${code}, but it resolved with ${JSON.stringify(result)?.slice(0, 200)}`);
}

/** Rejection of iterating an async iterable (reads validate lazily). */
export function iterationRejection(iterable: () => AsyncIterable<unknown>, code: string): Promise<Error & Record<string, unknown>> {
  return rejection((async () => collect(iterable()))(), code);
}

/** A stream's events as `{type, data}` pairs. */
export async function streamData(store: EventStore, streamId: string): Promise<{ type: string; data: unknown }[]> {
  return (await collect(store.readStream(streamId))).map(({ type, data }) => ({ type, data }));
}

/** Our events in the global log after `after`, restricted to `streams`. */
export async function globalEventsOf(store: EventStore, streams: Iterable<string>, after: number): Promise<RecordedEvent[]> {
  const wanted = new Set(streams);
  return (await collect(store.readAll({ after }))).filter((event) => wanted.has(event.streamId));
}
