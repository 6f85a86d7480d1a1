import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@chronicle/core';

/** Every event of the global log. */
export async function collectAll(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

/** What {@link raceOnSharedStreams} observed. */
export type RaceOutcome = {
  readonly acked: number;
  readonly stored: number;
  /** Acknowledged events missing from the store. */
  readonly lost: number;
  /** Appends refused with WRONG_EXPECTED_VERSION (then retried on fresh state). */
  readonly conflicts: number;
  /** Errors other than WRONG_EXPECTED_VERSION: there should be none. */
  readonly otherErrors: readonly string[];
  /** Streams whose positions are not exactly 1..n. */
  readonly forked: readonly string[];
};

/** Options of {@link raceOnSharedStreams}. */
export type RaceOptions = { readonly writers: number; readonly streams: number; readonly incrementsPerWriter: number };

/**
 * Optimistic writers racing on a few shared streams, as a command handler
 * would: read the version, append at it, on WRONG_EXPECTED_VERSION read again
 * and retry. Writers alternate between `stores` (separate connections, as
 * separate processes would be).
 */
export async function raceOnSharedStreams(stores: readonly EventStore[], options: RaceOptions): Promise<RaceOutcome> {
  const run = randomUUID().slice(0, 8);
  const ids = Array.from({ length: options.streams }, (_, i) => `race-${run}/counter-${i}`);
  const acked = new Set<string>();
  const otherErrors: string[] = [];
  let conflicts = 0;
  await Promise.all(
    Array.from({ length: options.writers }, async (_, w) => {
      const store = stores[w % stores.length]!;
      for (let n = 0; n < options.incrementsPerWriter; n++) {
        const streamId = ids[(w + n) % ids.length]!;
        for (;;) {
          const version = (await store.getStreamInfo(streamId))?.version ?? 0;
          try {
            const result = await store.append(streamId, [{ type: 'Incremented', data: { w, n } }], version);
            for (const event of result.events) acked.add(event.eventId);
            break;
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (code === 'WRONG_EXPECTED_VERSION') {
              conflicts++;
              continue;
            }
            otherErrors.push(`${code ?? 'no code'}: ${(error as Error).message}`);
            return;
          }
        }
      }
    }),
  );
  const stored = new Set<string>();
  const forked: string[] = [];
  for (const streamId of ids) {
    const positions: number[] = [];
    for await (const event of stores[0]!.readStream(streamId)) {
      positions.push(event.streamPosition);
      stored.add(event.eventId);
    }
    if (positions.some((p, i) => p !== i + 1)) forked.push(streamId);
  }
  const lost = [...acked].filter((id) => !stored.has(id)).length;
  return { acked: acked.size, stored: stored.size, lost, conflicts, otherErrors, forked };
}
