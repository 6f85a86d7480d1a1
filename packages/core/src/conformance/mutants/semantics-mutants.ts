import { createCommandHandler } from '../../commands/command-handler.js';
import type { Decider } from '../../decider/decider.js';
import {
  DuplicateEventIdError,
  RetryMismatchError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../errors/errors.js';
import type { Event } from '../../events/event.js';
import type { EventStore, ReadAllOptions, ReadStreamOptions, SubscribeOptions } from '../../store/event-store.js';
import { createInMemoryStore, type InMemoryEventStore } from '../../store/in-memory-store.js';
import { StreamDeletedError, type DeleteStreamOptions, type StreamMetadata } from '../../store/stream-lifecycle.js';
import { commandCaseNames } from '../command-cases.js';
import { deletionCaseNames } from '../deletion-cases.js';
import { globalReadCaseNames } from '../global-read-cases.js';
import { repeatCaseNames } from '../repeat-cases.js';
import { subscribeCaseNames } from '../subscribe-cases.js';
import { everWritten, hasMarker, mutate, oneByOne, sound, type Mutant } from './mutant.js';

/**
 * A store that answers a repeat racing its original with the conflict: it
 * recognises only repeats of appends already finished.
 */
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

/** A store whose deletes fail with STREAM_NOT_FOUND when `refuses` says so (a store checking existence first). */
function refusingDeletes(
  refuses: (base: EventStore, id: string, options?: DeleteStreamOptions) => Promise<boolean>,
): () => EventStore {
  return mutate((base) => ({
    async deleteStream(id: string, options?: DeleteStreamOptions) {
      if (await refuses(base, id, options)) throw new StreamNotFoundError(id);
      return (base as InMemoryEventStore).deleteStream(id, options);
    },
  }));
}

/**
 * A store whose soft delete writes no marker: it truncates before the next
 * position and reports the stream absent until appended again.
 */
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

/**
 * Stores (and core functions) broken in the ways other event stores' test
 * suites caught (issue 18), one mutant per case, each naming the case it must fail.
 */
export const semanticsMutants: readonly Mutant[] = [
  {
    breaks: 'global-log-reads',
    name: 'ignores the backwards direction of readAll',
    catches: globalReadCaseNames.backwards,
    create: mutate((base) => ({
      readAll: (options?: ReadAllOptions) => base.readAll({ ...options, direction: 'forwards' }),
    })),
  },
  {
    breaks: 'global-log-reads',
    name: 'ignores readAll filters',
    catches: globalReadCaseNames.filters,
    create: mutate((base) => ({
      readAll: ({ filter: _ignored, ...options }: ReadAllOptions = {}) => base.readAll(options),
    })),
  },
  {
    breaks: 'global-log-reads',
    name: 'ignores subscription filters',
    catches: globalReadCaseNames.filteredSubscription,
    create: mutate((base) => ({
      subscribe: ({ filter: _ignored, ...options }: SubscribeOptions = {}) => base.subscribe(options),
    })),
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
    breaks: 'subscribe',
    name: "fixes an 'end' start at the first next(), not when subscribe is called",
    catches: subscribeCaseNames.endFixedAtCall,
    create: mutate((base) => ({
      subscribe: (options?: SubscribeOptions) => ({
        [Symbol.asyncIterator]: () => base.subscribe(options)[Symbol.asyncIterator](),
      }),
    })),
  },
  {
    breaks: 'lifecycle',
    name: 'refuses a hard delete of a soft-deleted stream with STREAM_NOT_FOUND',
    catches: deletionCaseNames.hardAfterSoft,
    create: refusingDeletes(
      async (base, id, options) =>
        options?.mode === 'hard' && (await base.getStreamInfo(id)) === undefined && hasMarker(base, id),
    ),
  },
  {
    breaks: 'lifecycle',
    name: 'refuses to tombstone a name never written (STREAM_NOT_FOUND)',
    catches: deletionCaseNames.reservedTombstone,
    create: refusingDeletes(async (base, id) => !(await everWritten(base, id))),
  },
  {
    breaks: 'lifecycle',
    name: 'looks for the stream before checking the expected version of a delete',
    catches: deletionCaseNames.deleteExpectedVersion,
    create: refusingDeletes(
      async (base, id, options) =>
        (await base.getStreamInfo(id)) === undefined && !((await hasMarker(base, id)) && options?.mode === 'hard'),
    ),
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
        if ((await base.getStreamInfo(id)) === undefined && (await hasMarker(base, id)))
          throw new StreamNotFoundError(id);
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
          return base.append(
            id,
            events.filter((e) => e.eventId !== undefined && error.newEventIds.includes(e.eventId.toLowerCase())),
            'any',
          );
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
        for await (const last of base.readStream(id, { direction: 'backwards', limit: 1 }))
          return { streamId: id, version: last.streamPosition };
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
        return (streamId, command, handleOptions) =>
          handle(streamId, command, { ...handleOptions, expectedVersion: undefined });
      },
    },
  },
  {
    breaks: 'command-handling',
    name: 'hands whatever decide returned to append (a Promise fails as VALIDATION_FAILED)',
    catches: commandCaseNames.asyncDecide,
    create: sound,
    core: {
      createCommandHandler: <C, E extends Event, S>(
        store: Parameters<typeof createCommandHandler>[0],
        decider: Decider<C, E, S>,
      ) =>
        createCommandHandler<C, E, S>(store, {
          ...decider,
          decide: (command: C, state: S) => [decider.decide(command, state)] as unknown as E[],
        }),
    },
  },
];
