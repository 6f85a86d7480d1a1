import type { RecordedEvent } from '../events/event.js';
import type { Documents } from './documents.js';

/** A consumer's durable position in the global log. */
export type Checkpoint = {
  readonly name: string;
  readonly position: number;
  readonly updatedAt: Date;
};

/** Checkpoint access inside a transaction. */
export interface TxCheckpoints {
  get(name: string): Promise<number | undefined>;
  /**
   * Moves `name` from `from` (undefined: no checkpoint yet) to `to`. Returns
   * false, changing nothing, when the stored position is not `from` — someone
   * else advanced it — so the caller must roll back: this fencing is what keeps
   * two runners of one projection from both applying an event.
   */
  advance(name: string, from: number | undefined, to: number): Promise<boolean>;
}

/** A message for other services, written in the same transaction as the events it comes from. */
export type OutboxMessage = {
  readonly topic: string;
  readonly type: string;
  readonly data: unknown;
  /** Partitioning/ordering key for the broker, e.g. the source stream id. */
  readonly key?: string;
  /** The domain event it was derived from (for idempotent consumers). */
  readonly sourceEventId?: string;
};

/** An outbox message as stored, with its position in the outbox. */
export type StoredOutboxMessage = OutboxMessage & { readonly position: number; readonly createdAt: Date };

/** Outbox access inside a transaction. */
export interface TxOutbox {
  add(messages: readonly OutboxMessage[]): Promise<void>;
}

/**
 * The transaction a projection handler runs in: documents and checkpoints in
 * one atomic unit, plus the store's native handle (e.g. the SQLite database or
 * the PostgreSQL client of this transaction) for hand-written SQL.
 */
export type ProjectionTx<Native = unknown> = {
  readonly documents: Documents;
  readonly checkpoints: TxCheckpoints;
  readonly outbox: TxOutbox;
  readonly native: Native;
};

/** An event a consumer gave up on after repeated failures, kept for inspection, retry or skip. */
export type ParkedEvent = {
  readonly consumer: string;
  readonly eventId: string;
  readonly globalPosition: number;
  readonly streamId: string;
  readonly type: string;
  readonly error: string;
  readonly attempts: number;
  readonly parkedAt: Date;
};

/** Parked events of async consumers. */
export interface ParkedEvents {
  park(consumer: string, event: RecordedEvent, error: string, attempts: number): Promise<void>;
  list(consumer?: string): Promise<ParkedEvent[]>;
  remove(consumer: string, eventId: string): Promise<boolean>;
}

/** Time-limited ownership of a named job across processes. */
export interface Leases {
  /** Takes or renews the lease when free, expired or already ours. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}

/**
 * What a store offers for running projections, reactors and the outbox in its
 * own database. In-memory, SQLite and PostgreSQL stores each provide one as
 * `store.projections`.
 */
export interface ProjectionHost<Native = unknown> {
  /** Runs `work` in one transaction: it commits when `work` resolves, rolls back when it throws. */
  transaction<T>(work: (tx: ProjectionTx<Native>) => Promise<T>): Promise<T>;
  /** Read-only access outside a transaction (each call sees committed data). */
  readonly documents: Documents;
  readonly leases: Leases;
  readonly parked: ParkedEvents;
  listCheckpoints(): Promise<Checkpoint[]>;
  deleteCheckpoint(name: string): Promise<void>;
  /** Outbox messages after `after`, in order. */
  readOutbox(after: number, limit: number): Promise<StoredOutboxMessage[]>;
}

/** A store that hosts projections in its own database. */
export type StoreWithProjections<Native = unknown> = { readonly projections: ProjectionHost<Native> };
