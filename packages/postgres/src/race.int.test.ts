import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError, type EventStore } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import { beforeAll, describe, expect, it } from 'vitest';
import { pgAvailable, useTestStore } from './test/pg-test-support.js';

const available = await pgAvailable();

describe.skipIf(!available)('race: 8 writers on the same 50 streams with expected versions', () => {
  const fixture = useTestStore('race', { poolSize: 12 });
  const { pool, schema } = fixture;
  let store: EventStore;
  beforeAll(() => {
    store = fixture.store;
  });

  it('0 lost updates; every loser gets WRONG_EXPECTED_VERSION and stores nothing', async () => {
    const streams = Array.from({ length: 50 }, (_, i) => `counter-${i}-${randomUUID().slice(0, 8)}`);
    const WRITERS = 8;
    const OPERATIONS = 200;
    const acked = new Map<string, string[]>(streams.map((s) => [s, []]));
    let losers = 0;
    let multiWins = 0;

    const versionOf = async (stream: string): Promise<number> => (await store.getStreamInfo(stream))?.version ?? 0;
    // Concentrate on a few hot streams so that writers really collide.
    const pick = (): string => streams[Math.floor(Math.random() ** 3 * streams.length)]!;

    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let op = 0; op < OPERATIONS; op++) {
          const multi = op % 5 === 4;
          const targets = multi ? [...new Set([pick(), pick()])] : [pick()];
          const versions = await Promise.all(targets.map(versionOf));
          try {
            if (multi) {
              const results = await store.appendMulti(
                targets.map((streamId, i) => ({ streamId, expectedVersion: versions[i]!, events: [{ type: 'Counted', data: { writer, op } }] })),
              );
              results.forEach((r, i) => {
                expect(r.nextExpectedVersion).toBe(versions[i]! + 1);
                acked.get(r.streamId)!.push(r.events[0]!.eventId);
              });
              multiWins++;
            } else {
              const result = await store.append(targets[0]!, [{ type: 'Counted', data: { writer, op } }], versions[0]!);
              expect(result.nextExpectedVersion).toBe(versions[0]! + 1);
              acked.get(targets[0]!)!.push(result.events[0]!.eventId);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(WrongExpectedVersionError);
            const conflict = error as WrongExpectedVersionError;
            expect(conflict.code).toBe('WRONG_EXPECTED_VERSION');
            expect(targets).toContain(conflict.streamId);
            expect(conflict.actual).not.toBe(versions[targets.indexOf(conflict.streamId)]);
            losers++;
          }
        }
      }),
    );

    expect(losers).toBeGreaterThan(0);
    expect(multiWins).toBeGreaterThan(0);
    let total = 0;
    for (const stream of streams) {
      const events = await collect(store.readStream(stream));
      const ids = acked.get(stream)!;
      // Every acknowledged append is there, at consecutive positions, and nothing else is.
      expect(events.map((e) => e.streamPosition)).toEqual(events.map((_, i) => i + 1));
      expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(ids));
      expect((await store.getStreamInfo(stream))?.version ?? 0).toBe(ids.length);
      total += ids.length;
    }
    console.log(`race: ${total} events acknowledged and stored, ${losers} losers, ${multiWins} multi-stream wins`);
  }, 60_000);
});
