import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { RecordedEvent } from '../../events/event.js';
import type { EventStore } from '../../store/event-store.js';
import { isArchivable, type ArchivableStore } from '../../store/archivable.js';
import { hasStreamLifecycle } from '../../store/stream-lifecycle.js';
import { archive } from '../../tiers/archiver.js';
import { createFileColdStore } from '../../tiers/file-cold-store.js';
import { createTieredStore } from '../../tiers/tiered-store.js';
import { createAggregateLoader } from '../../snapshots/aggregate-loader.js';
import { collect } from '../case.js';
import type { ProjectionCase, ProjectionStore } from './context.js';

type Hot = ProjectionStore & ArchivableStore;

function hotOf(store: EventStore): Hot | undefined {
  return isArchivable(store) ? (store as Hot) : undefined;
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'chronicle-cold-'));
}

const comparable = (events: readonly RecordedEvent[]) =>
  events.map(({ eventId, type, data, metadata, streamId, streamPosition, globalPosition, recordedAt }) => ({
    eventId,
    type,
    data,
    metadata,
    streamId,
    streamPosition,
    globalPosition,
    recordedAt: recordedAt.toISOString(),
  }));

async function history(store: EventStore, streams: readonly string[], after: number) {
  const byStream: Record<string, unknown> = {};
  for (const id of streams) byStream[id] = comparable(await collect(store.readStream(id)));
  const global = comparable((await collect(store.readAll({ after }))).filter((e) => streams.includes(e.streamId)));
  return { byStream, global };
}

/** Hot/cold tiers over the store as hot tier (skipped for stores that cannot purge). */
export const tierCases: ProjectionCase[] = [
  {
    name: 'tiers: archive old events, then every stream and the global log read identically, also after reopening the cold store',
    timeoutMs: 60_000,
    async run({ store, unique }) {
      const hot = hotOf(store);
      if (!hot) return;
      const dir = tempDir();
      try {
        const streams = Array.from({ length: 5 }, () => unique('tier'));
        const head = await hot.headPosition();
        let cutoff = 0;
        for (let round = 0; round < 4; round++) {
          for (const id of streams) await hot.append(id, [{ type: 'Happened', data: { round, id } }, { type: 'Happened', data: { round, second: true } }], 'any');
          if (round === 1) {
            await new Promise((resolve) => setTimeout(resolve, 30));
            cutoff = Date.now();
            await new Promise((resolve) => setTimeout(resolve, 30));
          }
        }
        const before = await history(hot, streams, head);
        const storedBefore = (await collect(hot.readAllStored({ after: head }))).length;
        const cold = createFileColdStore({ dir });
        // The first two rounds are older than the cutoff: half the history moves to cold storage.
        const report = await archive({ hot, cold, policy: { olderThanMs: 0 }, now: new Date(cutoff), batchSize: 7 });
        expect(report.archived).toBe(20);
        const storedAfter = (await collect(hot.readAllStored({ after: head }))).length;
        expect(storedAfter).toBe(storedBefore - 20);
        const tiered = createTieredStore({ hot, cold });
        expect(await history(tiered, streams, head)).toEqual(before);
        // Paging and direction through the merge.
        const id = streams[0]!;
        expect((await collect(tiered.readStream(id, { from: 3, limit: 4 }))).map((e) => e.streamPosition)).toEqual([3, 4, 5, 6]);
        expect((await collect(tiered.readStream(id, { direction: 'backwards', limit: 3 }))).map((e) => e.streamPosition)).toEqual([8, 7, 6]);
        // Reopened: same answers.
        const reopened = createTieredStore({ hot, cold: createFileColdStore({ dir }) });
        expect(await history(reopened, streams, head)).toEqual(before);
        expect((await createFileColdStore({ dir }).verify()).problems).toEqual([]);
        // A second run finds nothing new and writes no duplicates.
        await archive({ hot, cold, policy: { olderThanMs: 0 }, now: new Date(cutoff) });
        expect(await history(createTieredStore({ hot, cold }), streams, head)).toEqual(before);
        // Appends keep working on the hot tier.
        await tiered.append(id, [{ type: 'Happened', data: { after: true } }], 8);
        expect((await collect(tiered.readStream(id))).map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'tiers: archive behind the newest snapshot; real-time loads use snapshot + hot tail, history merges both tiers',
    async run({ store, unique }) {
      const hot = hotOf(store);
      if (!hot) return;
      const dir = tempDir();
      try {
        const id = unique('snap');
        for (let i = 0; i < 6; i++) await hot.append(id, [{ type: 'Added', data: { n: i } }], i);
        const sum = { initialState: () => 0, evolve: (total: number, e: { type: string; data: unknown }) => total + (e.data as { n: number }).n };
        const loader = createAggregateLoader(hot, sum, { name: unique('sum'), schemaVersion: 1 });
        await loader.snapshot(id);
        await hot.append(id, [{ type: 'Added', data: { n: 100 } }], 6);
        const cold = createFileColdStore({ dir });
        await archive({ hot, cold, policy: { behindSnapshot: true } });
        expect((await collect(hot.readStream(id))).map((e) => e.streamPosition)).toEqual([7]);
        expect((await loader.load(id)).state).toBe(115);
        const tiered = createTieredStore({ hot, cold });
        expect((await collect(tiered.readStream(id))).map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'tiers: when the hot store fails, history reads fall back to cold storage and say so',
    async run({ open, unique }) {
      const own = await open();
      const hot = hotOf(own);
      if (!hot) return;
      const dir = tempDir();
      try {
        const id = unique('fallback');
        await hot.append(id, [{ type: 'A', data: 1 }, { type: 'B', data: 2 }], 'no_stream');
        const cold = createFileColdStore({ dir });
        await archive({ hot, cold, policy: { olderThanMs: -60_000 } });
        const notices: string[] = [];
        const tiered = createTieredStore({ hot, cold, onFallback: (notice) => notices.push(notice.operation) });
        await own.close();
        expect((await collect(tiered.readStream(id))).map((e) => e.type)).toEqual(['A', 'B']);
        expect((await collect(tiered.readAll())).filter((e) => e.streamId === id).map((e) => e.type)).toEqual(['A', 'B']);
        expect(notices).toEqual(['readStream', 'readAll']);
        expect(tiered.tiers.fallbacks()).toBe(2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'tiers: truncateBefore hides events from reads but not from the archive; checksums catch a damaged segment',
    async run({ store, unique }) {
      const hot = hotOf(store);
      if (!hot || !hasStreamLifecycle(hot)) return;
      const dir = tempDir();
      try {
        const id = unique('trunc');
        await hot.append(id, [1, 2, 3, 4].map((n) => ({ type: 'N', data: n })), 'no_stream');
        await hot.setStreamMetadata(id, { truncateBefore: 3 });
        const cold = createFileColdStore({ dir });
        await archive({ hot, cold, policy: { olderThanMs: -60_000 } });
        expect((await collect(cold.readStream(id))).map((e) => e.streamPosition)).toEqual([1, 2, 3, 4]);
        expect((await collect(createTieredStore({ hot, cold }).readStream(id))).map((e) => e.streamPosition)).toEqual([3, 4]);
        const segment = readdirSync(path.join(dir, 'segments')).find((f) => f.endsWith('.gz'))!;
        writeFileSync(path.join(dir, 'segments', segment), 'not gzip');
        expect((await createFileColdStore({ dir }).verify()).problems.length).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
