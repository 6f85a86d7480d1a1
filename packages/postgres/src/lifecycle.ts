import { randomUUID } from 'node:crypto';
import {
  STREAM_DELETED_EVENT,
  StreamDeletedError,
  StreamNotFoundError,
  assertExpectedVersion,
  assertStreamId,
  checkExpectedVersion,
  normalizeStreamMetadata,
  prepareEvents,
  type AppendResult,
  type ArchivableStore,
  type DeleteStreamOptions,
  type StreamLifecycle,
  type StreamMetadata,
} from '@chronicle/core';
import type { AppendHook, PreparedAppend } from './append.js';
import { toStoreError } from './errors.js';
import type { PgPoolLike, PgQueryConfig } from './pg-types.js';
import { toNumber } from './rows.js';
import type { LifecycleQueries } from './sql/lifecycle-queries.js';

/**
 * Records deletion markers in the append transaction that writes them:
 * soft hides the stream's positions up to the marker, hard tombstones it.
 */
export function deletionMarkerHook(sql: LifecycleQueries): AppendHook {
  return async (client, events) => {
    for (const event of events) {
      if (event.type !== STREAM_DELETED_EVENT) continue;
      const hard = (event.data as { mode?: unknown }).mode === 'hard';
      await client.query({ ...sql.markDeleted, values: [event.streamId, event.streamPosition + 1, hard] });
    }
  };
}

export type LifecycleDeps = {
  readonly pool: PgPoolLike;
  readonly queries: LifecycleQueries;
  readonly maxEventBytes: number;
  readonly assertOpen: () => void;
  /** Appends in one transaction with the hooks (deletion markers, inline projections). */
  readonly writeInTransaction: (parts: readonly PreparedAppend[]) => Promise<AppendResult[]>;
};

/** Stream metadata, deletion and the archive's hot-tier operations. */
export function createLifecycle(deps: LifecycleDeps): StreamLifecycle & Omit<ArchivableStore, 'readAllStored'> {
  const { pool, queries: sql, assertOpen } = deps;
  async function rows(query: PgQueryConfig, values: unknown[] = []): Promise<(readonly unknown[])[]> {
    assertOpen();
    try {
      return (await pool.query({ ...query, values, rowMode: 'array' })).rows as (readonly unknown[])[];
    } catch (error) {
      throw toStoreError(error, false);
    }
  }

  return {
    async setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
      assertOpen();
      assertStreamId(streamId);
      const normalized = normalizeStreamMetadata(metadata);
      const { maxCount = null, maxAge = null, truncateBefore = null } = normalized;
      const values = [streamId, JSON.stringify(normalized), maxCount, maxAge, truncateBefore];
      // The statement writes (and returns) a row unless the stream is tombstoned.
      if ((await rows(sql.setMetadata, values)).length === 0) throw new StreamDeletedError(streamId);
    },

    async getStreamMetadata(streamId: string): Promise<StreamMetadata> {
      assertOpen();
      assertStreamId(streamId);
      const [row] = await rows(sql.getMetadata, [streamId]);
      return row ? (JSON.parse(row[0] as string) as StreamMetadata) : {};
    },

    async deleteStream(streamId: string, options: DeleteStreamOptions = {}): Promise<void> {
      assertOpen();
      assertStreamId(streamId);
      if (options.expectedVersion !== undefined) assertExpectedVersion(options.expectedVersion);
      const [state] = await rows(sql.streamState, [streamId]);
      if (state?.[2] === true) throw new StreamDeletedError(streamId);
      // As appends see it: a soft-deleted stream (version = hidden_before - 1) or a missing one is at 0.
      const checked = state && toNumber(state[0]) >= Math.max(1, toNumber(state[1])) ? toNumber(state[0]) : 0;
      const { expectedVersion: expected } = options;
      const conflict = expected === undefined ? undefined : checkExpectedVersion(streamId, expected, checked);
      if (conflict) throw conflict;
      const mode = options.mode ?? 'soft';
      // A hard delete tombstones any name (a soft-deleted or never written one too); a soft one needs a live stream.
      if (mode === 'soft' && checked === 0) throw new StreamNotFoundError(streamId);
      const marker = prepareEvents(streamId, [{ type: STREAM_DELETED_EVENT, data: { mode } }], deps.maxEventBytes, randomUUID, 'events', true);
      await deps.writeInTransaction([{ streamId, expectedVersion: options.expectedVersion ?? 'any', events: marker }]);
    },

    async purgeEvents(globalPositions: readonly number[]): Promise<number> {
      assertOpen();
      if (globalPositions.length === 0) return 0;
      const [row] = await rows(sql.purge, [[...globalPositions]]);
      return toNumber(row![0]);
    },

    async reclaimSpace() {
      const [before] = await rows(sql.eventsSize);
      await rows(sql.vacuumFull);
      const [after] = await rows(sql.eventsSize);
      return { beforeBytes: toNumber(before![0]), afterBytes: toNumber(after![0]) };
    },
  };
}
