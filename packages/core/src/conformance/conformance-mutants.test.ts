/**
 * Proves the conformance suite has teeth: each mutant is the in-memory store
 * broken in one way that real stores have shipped, and for each the cases of
 * the rule it breaks must fail. A rule whose cases pass against its mutant
 * would be a rule that tests nothing.
 */
import { describe, expect, it } from 'vitest';
import { createCommandHandler } from '../commands/command-handler.js';
import type { Decider } from '../decider/decider.js';
import type { Event, RecordedEvent } from '../events/event.js';
import type { EventStore, ReadAllOptions, ReadStreamOptions, StreamAppend, SubscribeOptions } from '../store/event-store.js';
import { createInMemoryStore, type InMemoryEventStore } from '../store/in-memory-store.js';
import { STREAM_DELETED_EVENT, StreamDeletedError, type DeleteStreamOptions, type StreamMetadata } from '../store/stream-lifecycle.js';
import { DuplicateEventIdError, RetryMismatchError, StreamNotFoundError, WrongExpectedVersionError } from '../errors/errors.js';
import { contextFor, type ConformanceContext, type ConformanceRule } from './case.js';
import { commandCaseNames } from './command-cases.js';
import { deletionCaseNames } from './deletion-cases.js';
import { subscribeCaseNames } from './subscribe-cases.js';
import { repeatCaseNames } from './repeat-cases.js';
import { globalReadCaseNames } from './global-read-cases.js';
import { conformanceCases } from './describe-event-store.js';

type Mutant = {
  readonly breaks: ConformanceRule;
  readonly name: string;
  readonly create: () => EventStore;
  /** Broken core functions the cases get instead of the real ones. */
  readonly core?: Partial<Pick<ConformanceContext, 'createCommandHandler' | 'aggregateStream'>>;
  /** The case written for this failure: it must be among those that fail. */
  readonly catches?: string;
};

/** The in-memory store, unbroken (for mutants that break core instead). */
const sound = (): EventStore => createInMemoryStore();

function mutate(overrides: (base: EventStore) => Partial<InMemoryEventStore>): () => EventStore {
  return () => {
    const base = createInMemoryStore();
    return { ...base, ...overrides(base) };
  };
}

const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether the global log holds a deletion marker of `streamId` (what a mutant can tell through the contract). */
async function hasMarker(store: EventStore, streamId: string): Promise<boolean> {
  for await (const event of store.readAll()) if (event.streamId === streamId && event.type === STREAM_DELETED_EVENT) return true;
  return false;
}

/** Whether `streamId` ever held anything: a live version, or a deletion marker. */
async function everWritten(store: EventStore, streamId: string): Promise<boolean> {
  return (await store.getStreamInfo(streamId)) !== undefined || hasMarker(store, streamId);
}

/** Appends the parts of a multi-stream append one by one (not atomic). */
function oneByOne(base: EventStore): Partial<InMemoryEventStore> {
  return {
    async appendMulti(appends: readonly StreamAppend[]) {
      const results = [];
      for (const part of appends) results.push(await base.append(part.streamId, part.events, part.expectedVersion));
      return results;
    },
  };
}

/** A store that answers a repeat racing its original with the conflict: it recognises only repeats of appends already finished. */
function repeatsOnlyAfterTheOriginal(): EventStore {
  const base = createInMemoryStore();
  const inFlight = new Set<string>();
  return {
    ...base,
    async append(id, events, expected) {
      const key = JSON.stringify(events.map((e) => e.eventId));
      const racing = inFlight.has(key);
      inFlight.add(key);
      try {
        const result = await base.append(id, events, expected);
        if (result.replayed && racing) throw new WrongExpectedVersionError(id, expected, result.nextExpectedVersion);
        return result;
      } finally {
        if (!racing) inFlight.delete(key);
      }
    },
  };
}

/** A store whose soft delete writes no marker: it truncates before the next position and reports the stream absent until appended again. */
function truncatingSoftDelete(): EventStore {
  const base = createInMemoryStore();
  const hidden = new Set<string>();
  return {
    ...base,
    async getStreamInfo(id: string) {
      return hidden.has(id) ? undefined : base.getStreamInfo(id);
    },
    async append(id, events, expected) {
      if (!hidden.has(id)) return base.append(id, events, expected);
      hidden.delete(id);
      return base.append(id, events, expected === 'no_stream' ? 'any' : expected);
    },
    async deleteStream(id: string, options?: DeleteStreamOptions) {
      if (options?.mode === 'hard') return base.deleteStream(id, options);
      const version = (await base.getStreamInfo(id))?.version;
      if (version === undefined || hidden.has(id)) throw new StreamNotFoundError(id);
      await base.setStreamMetadata(id, { ...(await base.getStreamMetadata(id)), truncateBefore: version + 1 });
      hidden.add(id);
    },
  } as EventStore;
}

const mutants: Mutant[] = [
  {
    breaks: 'expected-version',
    name: 'ignores expected versions',
    create: mutate((base) => ({ append: (id, events) => base.append(id, events, 'any') })),
  },
  {
    breaks: 'expected-version',
    name: "treats 'stream_exists' as 'any'",
    create: mutate((base) => ({ append: (id, events, expected) => base.append(id, events, expected === 'stream_exists' ? 'any' : expected) })),
  },
  {
    breaks: 'no-trace-on-reject',
    name: 'bumps the stream before reporting a conflict',
    create: mutate((base) => ({
      async append(id, events, expected) {
        try {
          return await base.append(id, events, expected);
        } catch (error) {
          await base.append(id, [{ type: '$conflict-marker', data: null }], 'any');
          throw error;
        }
      },
    })),
  },
  {
    breaks: 'concurrency',
    name: 'checks the version, then writes in a separate step (read-then-write)',
    create: mutate((base) => ({
      async append(id, events, expected) {
        const version = (await base.getStreamInfo(id))?.version ?? 0;
        await pause();
        const ok = expected === 'any' || expected === version || (expected === 'no_stream' && version === 0) || (expected === 'stream_exists' && version > 0);
        return base.append(id, events, ok ? 'any' : expected);
      },
    })),
  },
  {
    breaks: 'multi-stream',
    name: 'appends the parts of a multi-stream append one by one',
    create: mutate(oneByOne),
  },
  {
    breaks: 'global-order',
    name: 'delivers one event of the global log twice',
    create: mutate((base) => ({
      async *readAll(options?: ReadAllOptions) {
        let first = true;
        for await (const event of base.readAll(options)) {
          yield event;
          if (first) yield event;
          first = false;
        }
      },
    })),
  },
  {
    breaks: 'global-order',
    name: 'skips the last event of every global page',
    create: mutate((base) => ({
      async *readAll(options?: ReadAllOptions) {
        const page: RecordedEvent[] = [];
        for await (const event of base.readAll(options)) page.push(event);
        yield* page.slice(0, Math.max(page.length - 1, 0));
      },
    })),
  },
  {
    breaks: 'global-log-reads',
    name: 'ignores the backwards direction of readAll',
    catches: globalReadCaseNames.backwards,
    create: mutate((base) => ({ readAll: (options?: ReadAllOptions) => base.readAll({ ...options, direction: 'forwards' }) })),
  },
  {
    breaks: 'global-log-reads',
    name: 'ignores readAll filters',
    catches: globalReadCaseNames.filters,
    create: mutate((base) => ({ readAll: ({ filter: _ignored, ...options }: ReadAllOptions = {}) => base.readAll(options) })),
  },
  {
    breaks: 'global-log-reads',
    name: 'ignores subscription filters',
    catches: globalReadCaseNames.filteredSubscription,
    create: mutate((base) => ({ subscribe: ({ filter: _ignored, ...options }: SubscribeOptions = {}) => base.subscribe(options) })),
  },
  {
    breaks: 'global-log-reads',
    name: 'drops readAll options it does not know',
    catches: globalReadCaseNames.refusedOptions,
    create: mutate((base) => ({
      readAll(options?: ReadAllOptions) {
        const known = new Set(['direction', 'after', 'before', 'limit', 'filter']);
        return base.readAll(Object.fromEntries(Object.entries(options ?? {}).filter(([key]) => known.has(key))));
      },
    })),
  },
  {
    breaks: 'read-stream',
    name: 'ignores the backwards direction',
    create: mutate((base) => ({
      readStream: (id: string, options?: ReadStreamOptions) => base.readStream(id, { ...options, direction: 'forwards' }),
    })),
  },
  {
    breaks: 'streaming',
    name: 'loads the whole stream before yielding',
    create: mutate((base) => ({
      async *readStream(id: string, options?: ReadStreamOptions) {
        const all: RecordedEvent[] = [];
        for await (const event of base.readStream(id, options)) all.push(event);
        yield* all;
      },
    })),
  },
  {
    breaks: 'payloads',
    name: 'normalizes unicode and drops NUL characters',
    create: mutate((base) => ({
      async *readStream(id: string, options?: ReadStreamOptions) {
        for await (const event of base.readStream(id, options)) {
          const data = JSON.parse(JSON.stringify(event.data).normalize('NFC').replaceAll('\\u0000', '')) as unknown;
          yield { ...event, data };
        }
      },
    })),
  },
  {
    breaks: 'payloads',
    name: 'loses metadata',
    create: mutate((base) => ({
      append: (id, events, expected) => base.append(id, events.map(({ type, data }) => ({ type, data })), expected),
    })),
  },
  {
    breaks: 'event-identity',
    name: 'replaces supplied event ids',
    create: mutate((base) => ({
      append: (id, events, expected) => base.append(id, events.map(({ eventId: _ignored, ...rest }) => rest), expected),
    })),
  },
  {
    breaks: 'validation',
    name: 'accepts empty appends as a no-op',
    create: mutate((base) => ({
      async append(id, events, expected) {
        if (Array.isArray(events) && events.length === 0) return { streamId: id, nextExpectedVersion: 0, globalPosition: 0, events: [] };
        return base.append(id, events, expected);
      },
    })),
  },
  {
    breaks: 'stream-info',
    name: 'matches prefixes case-insensitively',
    create: mutate((base) => ({
      async *listStreams(options) {
        const prefix = options?.prefix?.toLowerCase() ?? '';
        let count = 0;
        for await (const info of base.listStreams({ ...options, prefix: '', limit: undefined })) {
          if (!info.streamId.toLowerCase().startsWith(prefix)) continue;
          if (options?.limit !== undefined && count++ >= options.limit) return;
          yield info;
        }
      },
    })),
  },
  {
    breaks: 'subscribe',
    name: "starts 'end' subscriptions at the beginning",
    create: mutate((base) => ({
      subscribe: (options?: SubscribeOptions) => base.subscribe({ ...options, after: options?.after === 'end' ? 'start' : options?.after }),
    })),
  },
  {
    breaks: 'subscribe',
    name: "fixes an 'end' start at the first next(), not when subscribe is called",
    catches: subscribeCaseNames.endFixedAtCall,
    create: mutate((base) => ({
      subscribe: (options?: SubscribeOptions) => ({ [Symbol.asyncIterator]: () => base.subscribe(options)[Symbol.asyncIterator]() }),
    })),
  },
  {
    breaks: 'immutability',
    name: 'hands out shared objects',
    create: mutate((base) => {
      const cache = new Map<string, RecordedEvent>();
      return {
        async *readStream(id: string, options?: ReadStreamOptions) {
          for await (const event of base.readStream(id, options)) {
            if (!cache.has(event.eventId)) cache.set(event.eventId, event);
            yield cache.get(event.eventId)!;
          }
        },
      };
    }),
  },
  {
    breaks: 'lifecycle',
    name: 'treats hard deletes as soft deletes',
    create: mutate((base) => ({
      deleteStream: (id: string, options?: DeleteStreamOptions) => (base as InMemoryEventStore).deleteStream(id, { ...options, mode: 'soft' }),
    })),
  },
  {
    breaks: 'lifecycle',
    name: 'refuses a hard delete of a soft-deleted stream with STREAM_NOT_FOUND',
    catches: deletionCaseNames.hardAfterSoft,
    create: mutate((base) => ({
      async deleteStream(id: string, options?: DeleteStreamOptions) {
        if (options?.mode === 'hard' && (await base.getStreamInfo(id)) === undefined && (await hasMarker(base, id))) throw new StreamNotFoundError(id);
        return (base as InMemoryEventStore).deleteStream(id, options);
      },
    })),
  },
  {
    breaks: 'lifecycle',
    name: 'refuses to tombstone a name never written (STREAM_NOT_FOUND)',
    catches: deletionCaseNames.reservedTombstone,
    create: mutate((base) => ({
      async deleteStream(id: string, options?: DeleteStreamOptions) {
        if (!(await everWritten(base, id))) throw new StreamNotFoundError(id);
        return (base as InMemoryEventStore).deleteStream(id, options);
      },
    })),
  },
  {
    breaks: 'lifecycle',
    name: 'looks for the stream before checking the expected version of a delete',
    catches: deletionCaseNames.deleteExpectedVersion,
    create: mutate((base) => ({
      async deleteStream(id: string, options?: DeleteStreamOptions) {
        if ((await base.getStreamInfo(id)) === undefined && !((await hasMarker(base, id)) && options?.mode === 'hard')) throw new StreamNotFoundError(id);
        return (base as InMemoryEventStore).deleteStream(id, options);
      },
    })),
  },
  {
    breaks: 'lifecycle',
    name: 'soft-deletes by truncating, without a marker (a recreated stream continues at +1)',
    catches: deletionCaseNames.recreateAfterMarker,
    create: truncatingSoftDelete,
  },
  {
    breaks: 'lifecycle',
    name: 'reads a soft-deleted stream as STREAM_NOT_FOUND',
    catches: deletionCaseNames.softDeletedReadsEmpty,
    create: mutate((base) => ({
      async *readStream(id: string, options?: ReadStreamOptions) {
        if ((await base.getStreamInfo(id)) === undefined && (await hasMarker(base, id))) throw new StreamNotFoundError(id);
        yield* base.readStream(id, options);
      },
    })),
  },
  {
    breaks: 'lifecycle',
    name: 'accepts metadata for a tombstoned stream silently',
    catches: deletionCaseNames.metadataOnTombstone,
    create: mutate((base) => ({
      async setStreamMetadata(id: string, metadata: StreamMetadata) {
        await (base as InMemoryEventStore).setStreamMetadata(id, metadata).catch((error: unknown) => {
          if (!(error instanceof StreamDeletedError)) throw error;
        });
      },
    })),
  },
  {
    breaks: 'archive',
    name: 'reports purges without removing anything',
    create: mutate(() => ({ purgeEvents: async (positions: readonly number[]) => positions.length })),
  },
  {
    breaks: 'idempotent-append',
    name: 'refuses a repeated append as a duplicate (DUPLICATE_EVENT_ID)',
    catches: repeatCaseNames.repeat,
    create: mutate((base) => ({
      async append(id, events, expected) {
        const result = await base.append(id, events, expected);
        if (result.replayed) throw new DuplicateEventIdError(result.events[0]!.eventId);
        return result;
      },
    })),
  },
  {
    breaks: 'idempotent-append',
    name: 'recognises a repeat only once its original finished (racing repeats get the conflict)',
    catches: repeatCaseNames.concurrent,
    create: repeatsOnlyAfterTheOriginal,
  },
  {
    breaks: 'idempotent-append',
    name: 'writes the new events of a partial repeat and skips the stored ones',
    catches: repeatCaseNames.mismatch,
    create: mutate((base) => ({
      async append(id, events, expected) {
        try {
          return await base.append(id, events, expected);
        } catch (error) {
          if (!(error instanceof RetryMismatchError)) throw error;
          return base.append(id, events.filter((e) => e.eventId !== undefined && error.newEventIds.includes(e.eventId.toLowerCase())), 'any');
        }
      },
    })),
  },
  {
    breaks: 'idempotent-append',
    name: 'repeats the parts of a multi-stream append one by one (a partly new one is written)',
    catches: repeatCaseNames.multi,
    create: mutate(oneByOne),
  },
  {
    breaks: 'event-identity',
    name: 'returns supplied event ids in the case they were sent',
    catches: repeatCaseNames.lowerCase,
    create: mutate((base) => ({
      async append(id, events, expected) {
        const result = await base.append(id, events, expected);
        return { ...result, events: result.events.map((e, i) => ({ ...e, eventId: events[i]?.eventId ?? e.eventId })) };
      },
    })),
  },
  {
    breaks: 'command-handling',
    name: 'reports the version of the last visible event as the stream version',
    catches: commandCaseNames.hiddenHead,
    create: mutate((base) => ({
      async getStreamInfo(id: string) {
        for await (const last of base.readStream(id, { direction: 'backwards', limit: 1 })) return { streamId: id, version: last.streamPosition };
        return undefined;
      },
    })),
  },
  {
    breaks: 'command-handling',
    name: 'folds a stream to the version of its last visible event (hidden events ignored)',
    catches: commandCaseNames.hiddenHead,
    create: sound,
    core: {
      async aggregateStream(store, streamId, decider) {
        let state = decider.initialState();
        let version = 0;
        for await (const event of store.readStream(streamId)) {
          state = decider.evolve(state, event as never);
          version = event.streamPosition;
        }
        return { state, version };
      },
    },
  },
  {
    breaks: 'command-handling',
    name: 'decides before looking at the caller’s expected version (a stale one passes on a no-op)',
    catches: commandCaseNames.explicitBeforeDecide,
    create: sound,
    core: {
      createCommandHandler: (store, decider, options) => {
        const handle = createCommandHandler(store, decider, options);
        return (streamId, command, handleOptions) => handle(streamId, command, { ...handleOptions, expectedVersion: undefined });
      },
    },
  },
  {
    breaks: 'command-handling',
    name: 'hands whatever decide returned to append (a Promise fails as VALIDATION_FAILED)',
    catches: commandCaseNames.asyncDecide,
    create: sound,
    core: {
      createCommandHandler: <C, E extends Event, S>(store: Parameters<typeof createCommandHandler>[0], decider: Decider<C, E, S>) =>
        createCommandHandler<C, E, S>(store, { ...decider, decide: (command: C, state: S) => [decider.decide(command, state)] as unknown as E[] }),
    },
  },
  {
    breaks: 'close',
    name: 'keeps serving after close',
    create: mutate((base) => ({ close: async () => {} }) satisfies Partial<typeof base>),
  },
];

describe('the conformance suite catches broken stores', () => {
  it('has a mutant for every rule', () => {
    const covered = new Set(mutants.map((m) => m.breaks));
    const rules = new Set(conformanceCases.map((c) => c.rule));
    expect([...rules].filter((rule) => !covered.has(rule))).toEqual([]);
  });

  for (const mutant of mutants) {
    it(`[${mutant.breaks}] fails against a store that ${mutant.name}`, { timeout: 120_000 }, async () => {
      const cases = conformanceCases.filter((c) => c.rule === mutant.breaks);
      const failures: string[] = [];
      for (const testCase of cases) {
        const store = mutant.create();
        if (testCase.requires?.multiStreamAppend === false) continue;
        try {
          await testCase.run(contextFor(store, mutant.core));
        } catch (error) {
          if (process.env.CHRONICLE_DEBUG_MUTANTS) console.log(mutant.name, '→', testCase.name, ':', (error as Error).message.slice(0, 160));
          failures.push(testCase.name);
        } finally {
          await store.close();
        }
      }
      expect(failures.length, `no ${mutant.breaks} case failed against a store that ${mutant.name}`).toBeGreaterThan(0);
      if (mutant.catches) expect(failures, `the case written for it passed against a store that ${mutant.name}`).toContain(mutant.catches);
    });
  }

  it('every mutant written for one case names a case that exists', () => {
    const names = new Set(conformanceCases.map((c) => c.name));
    expect(mutants.filter((m) => m.catches !== undefined && !names.has(m.catches)).map((m) => m.name)).toEqual([]);
  });
});
