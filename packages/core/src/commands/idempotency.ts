import { ChronicleError } from '../errors/chronicle-error.js';
import { DomainError } from '../errors/errors.js';
import type { ProjectionHost } from '../projections/host.js';
import type { Projection } from '../projections/projection.js';

/** Collection of handled request ids, in the store's own database. */
export const REQUEST_COLLECTION = '$requests';

/** The part of one stream a request appended. */
export type RequestPart = { readonly streamId: string; readonly from: number; readonly to: number; readonly globalPosition: number };

/** What became of a request, durably. */
export type RequestOutcome =
  | { readonly kind: 'appended'; readonly parts: readonly RequestPart[] }
  | { readonly kind: 'noop'; readonly streamId: string; readonly version: number }
  | { readonly kind: 'rejected'; readonly error: { readonly name: string; readonly code: string; readonly message: string; readonly fields: Record<string, unknown> } };

/**
 * Built-in inline projection every store runs: for each appended event that
 * carries `metadata.requestId`, records which stream positions that request
 * wrote — in the same transaction as the events, so "handled" and "stored" can
 * never disagree, across restarts included.
 */
export const requestIndex: Projection = {
  name: '$request-index',
  async handle(events, tx) {
    const byRequest = new Map<string, RequestPart[]>();
    for (const event of events) {
      const requestId = event.metadata.requestId;
      if (typeof requestId !== 'string' || requestId === '') continue;
      const parts = byRequest.get(requestId) ?? [];
      const last = parts[parts.length - 1];
      if (last && last.streamId === event.streamId && last.to === event.streamPosition - 1) {
        parts[parts.length - 1] = { ...last, to: event.streamPosition, globalPosition: event.globalPosition };
      } else {
        parts.push({ streamId: event.streamId, from: event.streamPosition, to: event.streamPosition, globalPosition: event.globalPosition });
      }
      byRequest.set(requestId, parts);
    }
    if (byRequest.size === 0) return;
    const existing = await tx.documents.getMany<RequestOutcome>(REQUEST_COLLECTION, [...byRequest.keys()]);
    await tx.documents.putMany(
      REQUEST_COLLECTION,
      [...byRequest].map(([requestId, parts]) => {
        const before = existing.get(requestId);
        const outcome: RequestOutcome = { kind: 'appended', parts: [...(before?.kind === 'appended' ? before.parts : []), ...parts] };
        return [requestId, outcome] as const;
      }),
    );
  },
};

/** Inline projections every store runs before the user's own. */
export const builtInInlineProjections: readonly Projection[] = [requestIndex];

type Host = Pick<ProjectionHost<unknown>, 'transaction' | 'documents'>;

/** The recorded outcome of a request, if it was handled before. */
export function findOutcome(host: Pick<ProjectionHost<unknown>, 'documents'>, requestId: string): Promise<RequestOutcome | undefined> {
  return host.documents.get<RequestOutcome>(REQUEST_COLLECTION, requestId);
}

/** Records a rejection or no-op, unless an outcome is already recorded (first one wins). */
export async function recordOutcomeOnce(host: Host, requestId: string, outcome: RequestOutcome): Promise<void> {
  await host.transaction((tx) => tx.documents.create(REQUEST_COLLECTION, requestId, outcome));
}

/** The stored form of a rejection. */
export function rejectionOf(error: ChronicleError): RequestOutcome {
  const { code: _code, message: _message, name: _name, retryable: _retryable, ...fields } = error.toJSON() as Record<string, unknown>;
  return { kind: 'rejected', error: { name: error.name, code: error.code, message: error.message, fields } };
}

/**
 * A rejection replayed from a previous identical request: same code, message
 * and fields as the original (the original class cannot be revived across
 * processes; branch on `code`).
 */
export class ReplayedRejectionError extends DomainError {
  readonly replayed = true;
  constructor(stored: Extract<RequestOutcome, { kind: 'rejected' }>['error']) {
    super(stored.code, stored.message);
    Object.assign(this, stored.fields);
    this.name = stored.name;
  }
}
