import type { RecordedEvent } from '../../events/event.js';
import type { ReadAllOptions, ReadStreamOptions, SubscribeOptions } from '../../store/event-store.js';
import type { InMemoryEventStore } from '../../store/in-memory-store.js';
import type { DeleteStreamOptions } from '../../store/stream-lifecycle.js';
import { mutate, oneByOne, pause, type Mutant } from './mutant.js';

/** Stores that break the contract's original rules, one way each. */
export const contractMutants: readonly Mutant[] = [
  {
    breaks: 'expected-version',
    name: 'ignores expected versions',
    create: mutate((base) => ({ append: (id, events) => base.append(id, events, 'any') })),
  },
  {
    breaks: 'expected-version',
    name: "treats 'stream_exists' as 'any'",
    create: mutate((base) => ({
      append: (id, events, expected) => base.append(id, events, expected === 'stream_exists' ? 'any' : expected),
    })),
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
        const ok =
          expected === 'any' ||
          expected === version ||
          (expected === 'no_stream' && version === 0) ||
          (expected === 'stream_exists' && version > 0);
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
    breaks: 'read-stream',
    name: 'ignores the backwards direction',
    create: mutate((base) => ({
      readStream: (id: string, options?: ReadStreamOptions) =>
        base.readStream(id, { ...options, direction: 'forwards' }),
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
      append: (id, events, expected) =>
        base.append(
          id,
          events.map(({ type, data }) => ({ type, data })),
          expected,
        ),
    })),
  },
  {
    breaks: 'event-identity',
    name: 'replaces supplied event ids',
    create: mutate((base) => ({
      append: (id, events, expected) =>
        base.append(
          id,
          events.map(({ eventId: _ignored, ...rest }) => rest),
          expected,
        ),
    })),
  },
  {
    breaks: 'validation',
    name: 'accepts empty appends as a no-op',
    create: mutate((base) => ({
      async append(id, events, expected) {
        if (Array.isArray(events) && events.length === 0)
          return { streamId: id, nextExpectedVersion: 0, globalPosition: 0, events: [] };
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
      subscribe: (options?: SubscribeOptions) =>
        base.subscribe({ ...options, after: options?.after === 'end' ? 'start' : options?.after }),
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
      deleteStream: (id: string, options?: DeleteStreamOptions) =>
        (base as InMemoryEventStore).deleteStream(id, { ...options, mode: 'soft' }),
    })),
  },
  {
    breaks: 'archive',
    name: 'reports purges without removing anything',
    create: mutate(() => ({ purgeEvents: async (positions: readonly number[]) => positions.length })),
  },
  {
    breaks: 'close',
    name: 'keeps serving after close',
    create: mutate((base) => ({ close: async () => {} }) satisfies Partial<typeof base>),
  },
];
