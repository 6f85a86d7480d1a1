import {
  ValidationError,
  type Checkpoint,
  type Leases,
  type OutboxMessage,
  type ParkedEvent,
  type ParkedEvents,
  type ProjectionHost,
  type ProjectionTx,
  type RecordedEvent,
  type StoredOutboxMessage,
  type TxCheckpoints,
  type TxOutbox,
} from '@chronicle/core';
import { createDocuments, type RunQuery } from './documents.js';
import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike, PgQueryConfig } from './pg-types.js';
import { withClient } from './pool.js';
import { toNumber } from './rows.js';
import type { ProjectionQueries } from './sql/projection-queries.js';
import { transaction } from './sql/transaction.js';

/** The PostgreSQL projection host: `tx.native` is the transaction's `pg` client. */
export type PostgresProjectionHost = ProjectionHost<PgClientLike>;

export type ProjectionHostDeps = {
  readonly pool: PgPoolLike;
  readonly queries: ProjectionQueries;
  /** Source of `updatedAt`, `parkedAt` and `createdAt` (lease expiry uses the database clock). */
  readonly clock: () => Date;
  readonly assertOpen: () => void;
  /** Projection leases (session advisory locks, see `createAdvisoryLeases`). */
  readonly leases: Leases;
};

function runOn(target: { query: PgPoolLike['query'] }): RunQuery {
  return async (query: PgQueryConfig, values: unknown[]) => {
    try {
      return (await target.query({ ...query, values, rowMode: 'array' })).rows as (readonly unknown[])[];
    } catch (error) {
      throw toStoreError(error, false);
    }
  };
}

function jsonText(value: unknown, path: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw ValidationError.of(path, 'is not JSON-serializable');
  return json;
}

/**
 * Builds the transaction view (documents, checkpoints, outbox, native client)
 * over a connection that is inside a transaction: used by
 * {@link ProjectionHost.transaction} and by inline projections, which run in
 * the append's own transaction.
 */
export function projectionTx(client: PgClientLike, sql: ProjectionQueries, clock: () => Date): ProjectionTx<PgClientLike> {
  const run = runOn(client);
  const checkpoints: TxCheckpoints = {
    async get(name) {
      const [row] = await run(sql.getCheckpoint, [name]);
      return row ? toNumber(row[0]) : undefined;
    },
    async advance(name, from, to) {
      const rows =
        from === undefined ? await run(sql.createCheckpoint, [name, to, clock()]) : await run(sql.moveCheckpoint, [name, from, to, clock()]);
      return rows.length === 1;
    },
  };
  const outbox: TxOutbox = {
    async add(messages: readonly OutboxMessage[]) {
      if (messages.length === 0) return;
      await run(sql.addOutbox, [
        messages.map((m) => m.topic),
        messages.map((m) => m.type),
        messages.map((m) => jsonText(m.data, `outbox/${m.type}`)),
        messages.map((m) => m.key ?? null),
        messages.map((m) => m.sourceEventId ?? null),
        clock(),
      ]);
    },
  };
  return { documents: createDocuments(sql, run, true), checkpoints, outbox, native: client };
}

function toParked(row: readonly unknown[]): ParkedEvent {
  const [consumer, eventId, globalPosition, streamId, type, error, attempts, parkedAt] = row;
  return {
    consumer: consumer as string,
    eventId: eventId as string,
    globalPosition: toNumber(globalPosition),
    streamId: streamId as string,
    type: type as string,
    error: error as string,
    attempts: toNumber(attempts),
    parkedAt: new Date(parkedAt as Date | string),
  };
}

function toOutboxMessage(row: readonly unknown[]): StoredOutboxMessage {
  const [position, topic, type, data, key, sourceEventId, createdAt] = row;
  return {
    position: toNumber(position),
    topic: topic as string,
    type: type as string,
    data: JSON.parse(data as string) as unknown,
    ...(key === null ? {} : { key: key as string }),
    ...(sourceEventId === null ? {} : { sourceEventId: sourceEventId as string }),
    createdAt: new Date(createdAt as Date | string),
  };
}

/**
 * The store's {@link ProjectionHost}: read models, checkpoints, leases,
 * parked events and the outbox in the store's own schema, so a projection's
 * writes and its checkpoint commit in one PostgreSQL transaction.
 */
export function createProjectionHost(deps: ProjectionHostDeps): PostgresProjectionHost {
  const { pool, queries: sql, clock, assertOpen } = deps;
  const run = runOn(pool);

  const { leases } = deps;

  const parked: ParkedEvents = {
    async park(consumer, event: RecordedEvent, error, attempts) {
      assertOpen();
      await run(sql.park, [consumer, event.eventId, event.globalPosition, event.streamId, event.type, error, attempts, clock()]);
    },
    async list(consumer) {
      assertOpen();
      return (await run(sql.listParked, [consumer ?? null])).map(toParked);
    },
    async remove(consumer, eventId) {
      assertOpen();
      return (await run(sql.unpark, [consumer, eventId])).length === 1;
    },
  };

  return {
    async transaction<T>(work: (tx: ProjectionTx<PgClientLike>) => Promise<T>): Promise<T> {
      assertOpen();
      const state = { committing: false };
      try {
        return await withClient(pool, async (client, discard) => {
          await client.query(sql.begin);
          try {
            const result = await work(projectionTx(client, sql, clock));
            state.committing = true;
            await client.query(transaction.commit);
            return result;
          } catch (error) {
            if (!state.committing) await client.query(transaction.rollback).catch(discard);
            throw error;
          }
        });
      } catch (error) {
        throw toStoreError(error, state.committing);
      }
    },
    documents: createDocuments(sql, run, false),
    leases,
    parked,
    async listCheckpoints(): Promise<Checkpoint[]> {
      assertOpen();
      return (await run(sql.listCheckpoints, [])).map(([name, position, updatedAt]) => ({
        name: name as string,
        position: toNumber(position),
        updatedAt: new Date(updatedAt as Date | string),
      }));
    },
    async deleteCheckpoint(name) {
      assertOpen();
      await run(sql.deleteCheckpoint, [name]);
    },
    async readOutbox(after, limit) {
      assertOpen();
      await run(sql.sealOutbox, []);
      return (await run(sql.readOutbox, [after, limit])).map(toOutboxMessage);
    },
  };
}
