import { applyProjection, builtInInlineProjections, STREAM_DELETED_EVENT, type Projection } from '@chronicle/core';
import type { AppendHook, PreparedAppend } from './append.js';
import type { PgClientLike } from './pg-types.js';
import { projectionTx } from './projection-host.js';
import type { ProjectionQueries } from './sql/projection-queries.js';

/**
 * The append hook that runs inline projections in the append's transaction:
 * core's built-in ones first (the request index behind durable idempotency),
 * then the store's, in order. A throwing projection aborts the append.
 */
export function inlineProjectionsHook(projections: readonly Projection<PgClientLike>[], sql: ProjectionQueries, clock: () => Date): AppendHook {
  const all = [...(builtInInlineProjections as readonly Projection<PgClientLike>[]), ...projections];
  return async (client, events) => {
    const tx = projectionTx(client, sql, clock);
    for (const projection of all) await applyProjection(projection, events, tx);
  };
}

/** Whether an event's metadata carries a request id (the only input of the built-in request index). */
function carriesRequestId(metadata: string): boolean {
  if (!metadata.includes('"requestId"')) return false;
  const requestId = (JSON.parse(metadata) as { requestId?: unknown }).requestId;
  return typeof requestId === 'string' && requestId !== '';
}

/**
 * Whether an append must run in its own transaction with the hooks: always
 * with user inline projections; otherwise only when the built-in request
 * index has something to record, or for a deletion marker. Every other
 * append keeps the one-statement fast path and group commit, which is
 * exactly equivalent since the built-ins do nothing for it.
 */
export function needsTransaction(parts: readonly PreparedAppend[], userProjections: number): boolean {
  if (userProjections > 0) return true;
  return parts.some((part) => part.events.some((event) => event.type === STREAM_DELETED_EVENT || carriesRequestId(event.metadata)));
}
