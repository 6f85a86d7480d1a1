import { expect } from 'vitest';
import type { NewEvent } from '../events/event.js';
import type { EventStore, ExpectedVersion } from '../store/event-store.js';
import type { ConformanceCase } from './case.js';
import { events, iterationRejection, rejection } from './case.js';

type Attempt = { readonly label: string; readonly call: (store: EventStore, streamId: string) => Promise<unknown>; readonly code: string };

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
}

const badAppends: Attempt[] = [
  { label: 'no events', call: (s, id) => s.append(id, [], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'events not an array', call: (s, id) => s.append(id, 'nope' as unknown as NewEvent[], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'event not an object', call: (s, id) => s.append(id, [42 as unknown as NewEvent], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'missing type', call: (s, id) => s.append(id, [{ data: {} } as unknown as NewEvent], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'empty type', call: (s, id) => s.append(id, [{ type: '', data: {} }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'type with control characters', call: (s, id) => s.append(id, [{ type: 'A\nB', data: {} }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'type too long', call: (s, id) => s.append(id, [{ type: 'T'.repeat(257), data: {} }], 'any'), code: 'VALIDATION_FAILED' },
  { label: "reserved '$' type", call: (s, id) => s.append(id, [{ type: '$StreamDeleted', data: { mode: 'hard' } }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'missing data', call: (s, id) => s.append(id, [{ type: 'T' } as unknown as NewEvent], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'BigInt data', call: (s, id) => s.append(id, [{ type: 'T', data: { n: 10n } }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'circular data', call: (s, id) => s.append(id, [{ type: 'T', data: circular() }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'function data', call: (s, id) => s.append(id, [{ type: 'T', data: () => 1 }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'array metadata', call: (s, id) => s.append(id, [{ type: 'T', data: {}, metadata: [] as never }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'malformed event id', call: (s, id) => s.append(id, [{ type: 'T', data: {}, eventId: 'not-a-uuid' }], 'any'), code: 'VALIDATION_FAILED' },
  { label: 'negative expected version', call: (s, id) => s.append(id, events(1), -1), code: 'VALIDATION_FAILED' },
  { label: 'fractional expected version', call: (s, id) => s.append(id, events(1), 1.5), code: 'VALIDATION_FAILED' },
  { label: 'unknown expected version', call: (s, id) => s.append(id, events(1), 'latest' as ExpectedVersion), code: 'VALIDATION_FAILED' },
  { label: 'null expected version', call: (s, id) => s.append(id, events(1), null as unknown as ExpectedVersion), code: 'VALIDATION_FAILED' },
  { label: 'empty stream id', call: (s) => s.append('', events(1), 'any'), code: 'VALIDATION_FAILED' },
  { label: 'non-string stream id', call: (s) => s.append(7 as unknown as string, events(1), 'any'), code: 'VALIDATION_FAILED' },
  { label: 'stream id with control characters', call: (s, id) => s.append(`${id}\u0000x`, events(1), 'any'), code: 'VALIDATION_FAILED' },
  { label: 'stream id with surrounding spaces', call: (s, id) => s.append(` ${id} `, events(1), 'any'), code: 'VALIDATION_FAILED' },
  { label: 'stream id too long', call: (s) => s.append('s'.repeat(257), events(1), 'any'), code: 'VALIDATION_FAILED' },
  {
    label: 'an oversize event after a valid one',
    call: (s, id) => s.append(id, [events(1)[0]!, { type: 'Huge', data: 'x'.repeat(s.info.maxEventBytes + 1) }], 'any'),
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    label: 'an oversize multi-byte event',
    call: (s, id) => s.append(id, [{ type: 'Huge', data: '€'.repeat(Math.ceil(s.info.maxEventBytes / 3) + 1) }], 'any'),
    code: 'PAYLOAD_TOO_LARGE',
  },
];

/** Cases for `validation`. */
export const validationCases: ConformanceCase[] = [
  {
    rule: 'validation',
    name: 'bad appends get typed errors and write nothing',
    timeoutMs: 60_000,
    async run({ store, streamId }) {
      const existing = streamId('existing');
      await store.append(existing, events(1), 'no_stream');
      const head = await store.headPosition();
      for (const attempt of badAppends) {
        const fresh = streamId('fresh');
        for (const target of [fresh, existing]) {
          try {
            await rejection(attempt.call(store, target), attempt.code);
          } catch (error) {
            throw new Error(`${attempt.label} on ${target === fresh ? 'a new' : 'an existing'} stream: ${(error as Error).message}`);
          }
        }
        expect(await store.getStreamInfo(fresh)).toBeUndefined();
      }
      expect(await store.getStreamInfo(existing)).toEqual({ streamId: existing, version: 1 });
      expect(await store.headPosition()).toBe(head);
    },
  },
  {
    rule: 'validation',
    name: 'an oversize error names the limit and the size',
    async run({ store, streamId }) {
      const error = await rejection(
        store.append(streamId(), [{ type: 'Huge', data: 'x'.repeat(store.info.maxEventBytes) }], 'any'),
        'PAYLOAD_TOO_LARGE',
      );
      expect(error.limit).toBe(store.info.maxEventBytes);
      expect(error.size).toBeGreaterThan(store.info.maxEventBytes);
    },
  },
  {
    rule: 'validation',
    name: 'bad read options get typed errors',
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(1), 'no_stream');
      const bad: [string, () => AsyncIterable<unknown>][] = [
        ['negative from', () => store.readStream(id, { from: -1 })],
        ['fractional limit', () => store.readStream(id, { limit: 0.5 })],
        ['bad direction', () => store.readStream(id, { direction: 'sideways' as 'forwards' })],
        ['bad stream id', () => store.readStream('')],
        ['negative after', () => store.readAll({ after: -5 })],
        ['NaN limit', () => store.readAll({ limit: Number.NaN })],
        ['bad list limit', () => store.listStreams({ limit: -1 })],
      ];
      for (const [label, read] of bad) {
        try {
          await iterationRejection(read, 'VALIDATION_FAILED');
        } catch (error) {
          throw new Error(`${label}: ${(error as Error).message}`);
        }
      }
      await rejection(store.getStreamInfo(''), 'VALIDATION_FAILED');
    },
  },
];
