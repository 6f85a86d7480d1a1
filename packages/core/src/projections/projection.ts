import type { RecordedEvent } from '../events/event.js';
import type { ProjectionTx } from './host.js';

/** What a handler knows about the projection it runs for. */
export type ProjectionContext = {
  readonly name: string;
  readonly version: number;
  /** Collection names are scoped by version so that blue-green rebuilds never share data. */
  readonly collection: (base: string) => string;
};

/**
 * A read model fed by events, written once and run either inline (in the
 * append's transaction) or asynchronously (by a checkpointed runner).
 *
 * `handle` receives a batch of events in global order, already filtered to
 * `eventTypes`, and the transaction to write in; throwing rolls back the
 * batch (inline: the append itself).
 */
export type Projection<Native = unknown> = {
  readonly name: string;
  /** Bump to rebuild beside the old version (blue-green); default 1. */
  readonly version?: number;
  /** Event types the projection handles; all when omitted. Others still advance the checkpoint. */
  readonly eventTypes?: readonly string[];
  readonly handle: (events: readonly RecordedEvent[], tx: ProjectionTx<Native>, context: ProjectionContext) => Promise<void> | void;
};

/** The version of a projection (1 when unset). */
export function projectionVersion(projection: Pick<Projection, 'version'>): number {
  return projection.version ?? 1;
}

/** Builds the context of a projection version. */
export function projectionContext(name: string, version: number): ProjectionContext {
  return { name, version, collection: (base) => (version === 1 ? base : `${base}@v${version}`) };
}

/** Keeps the events a projection asked for. */
export function relevantEvents(projection: Pick<Projection, 'eventTypes'>, events: readonly RecordedEvent[]): readonly RecordedEvent[] {
  const types = projection.eventTypes;
  if (!types) return events;
  return events.filter((event) => types.includes(event.type));
}

/** Runs a projection over a batch inside an open transaction (inline projections and runners both use this). */
export async function applyProjection<Native>(
  projection: Projection<Native>,
  events: readonly RecordedEvent[],
  tx: ProjectionTx<Native>,
  version = projectionVersion(projection),
): Promise<void> {
  const relevant = relevantEvents(projection, events);
  if (relevant.length > 0) await projection.handle(relevant, tx, projectionContext(projection.name, version));
}
