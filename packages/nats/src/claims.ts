import { DuplicateEventIdError, type RecordedEvent } from '@chronicle/core';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import type { StoredMsg } from '@nats-io/jetstream';
import { HEADER, appendIdOf } from './commit.js';
import { commitPages, storedCommit } from './commit-events.js';
import { isWrongLastSequence } from './jetstream-errors.js';
import type { StoreContext } from './store-context.js';

/**
 * Durable event-id uniqueness. `Nats-Msg-Id` deduplication forgets after its
 * window, so before committing, an append *claims* each event id: a message on
 * `<prefix>.x.id.<event id>` (aux stream) published only if the subject is
 * empty. The claim names the append and the commit it will be: the first
 * message on the event subject after sequence `previous`. So a claim can be
 * judged later without trusting its writer: *live* when that commit exists and
 * is the claimer's, *dead* when another commit took its place (the append lost
 * a race, failed or was refused), *pending* while neither has happened. Dead
 * claims, and pending ones older than the writers' retry budget, are taken over.
 */
export type ClaimTarget = {
  readonly appendId: string;
  readonly subject: string;
  readonly previous: number;
};

const CLAIM_APPEND = 'Chronicle-Append';
const CLAIM_SUBJECT = 'Chronicle-Subject';
const PENDING_POLL_MS = 50;
const PENDING_WAIT_MS = 2_000;

function claimHeaders(target: ClaimTarget): MsgHdrs {
  const h = headers();
  h.set(CLAIM_APPEND, target.appendId);
  h.set(HEADER.previous, String(target.previous));
  h.set(CLAIM_SUBJECT, target.subject);
  return h;
}

type ClaimState = 'ours' | 'live' | 'dead' | 'pending';

async function judge(context: StoreContext, claim: StoredMsg, appendId: string): Promise<ClaimState> {
  const claimer = claim.header.get(CLAIM_APPEND);
  if (claimer === appendId) return 'ours';
  const subject = claim.header.get(CLAIM_SUBJECT);
  const previous = Number(claim.header.get(HEADER.previous));
  const next = await context.io.getMessage(context.layout.eventsStream, { seq: previous + 1, next_by_subj: subject });
  if (next) return appendIdOf(next.header) === claimer ? 'live' : 'dead';
  // The claimer gives up after its retry budget; past that its commit can no longer land.
  return Date.now() - claim.time.getTime() > context.retryForMs + 30_000 ? 'dead' : 'pending';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function claimOne(context: StoreContext, eventId: string, target: ClaimTarget, owned: Map<string, number>): Promise<void> {
  const subject = context.layout.claimSubject(eventId);
  let expected = owned.get(eventId) ?? 0;
  const waitUntil = Date.now() + PENDING_WAIT_MS;
  for (;;) {
    try {
      const ack = await context.io.publish(subject, new Uint8Array(0), {
        // The target is part of the id: a refreshed claim is a new message, a retried one is not.
        msgId: `${target.appendId}.${eventId}.${target.previous}`,
        expectLastSubjectSequence: expected,
        headers: claimHeaders(target),
      });
      owned.set(eventId, ack.seq);
      return;
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
    const existing = await context.io.getMessage(context.layout.auxStream, { last_by_subj: subject });
    if (!existing) {
      expected = 0;
      continue;
    }
    const state = await judge(context, existing, target.appendId);
    if (state === 'live') throw new DuplicateEventIdError(eventId);
    if (state === 'pending') {
      // Wait for the other append to commit or fail; give up as a duplicate if it takes long.
      if (Date.now() > waitUntil) throw new DuplicateEventIdError(eventId);
      await sleep(PENDING_POLL_MS);
      continue;
    }
    expected = existing.seq;
  }
}

/**
 * Claims `eventIds` for the commit described by `target`. `owned` maps each
 * id this append already holds to its claim's sequence; it is updated, so the
 * caller can refresh claims on a retry and release them on failure.
 * @throws DuplicateEventIdError when an id belongs to a stored event (or to an append still in flight).
 */
export async function claimEventIds(
  context: StoreContext,
  eventIds: readonly string[],
  target: ClaimTarget,
  owned: Map<string, number>,
): Promise<void> {
  const results = await Promise.allSettled(eventIds.map((id) => claimOne(context, id, target, owned)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Deletes this append's claims after it failed (best effort: a leftover claim is dead and will be taken over). */
export async function releaseClaims(context: StoreContext, owned: ReadonlyMap<string, number>): Promise<void> {
  await Promise.allSettled([...owned.values()].map((seq) => context.io.deleteMessage(context.layout.auxStream, seq)));
}

/**
 * The stored events with these ids, found through their claims (so only ids
 * that were claimed: supplied ones, or all with `eventIdIndex: 'all'`): a live
 * claim names the commit that holds its event. Pending and dead claims hold nothing.
 */
export async function storedEventsById(context: StoreContext, eventIds: readonly string[]): Promise<RecordedEvent[]> {
  const claimOf = (id: string): Promise<StoredMsg | null> =>
    context.io.getMessage(context.layout.auxStream, { last_by_subj: context.layout.claimSubject(id) });
  const claims = await Promise.all(eventIds.map(claimOf));
  /** Each claimed append's events by id (undefined: its commit is not stored). */
  const appends = new Map<string, Promise<Map<string, RecordedEvent> | undefined>>();
  const eventsOf = async (claim: StoredMsg): Promise<Map<string, RecordedEvent> | undefined> => {
    const appendId = claim.header.get(CLAIM_APPEND);
    const previous = Number(claim.header.get(HEADER.previous));
    const subject = claim.header.get(CLAIM_SUBJECT);
    const next = await context.io.getMessage(context.layout.eventsStream, { seq: previous + 1, next_by_subj: subject });
    if (!next || appendIdOf(next.header) !== appendId) return undefined;
    const byId = new Map<string, RecordedEvent>();
    for await (const page of commitPages(context, storedCommit(next))) {
      for (const event of page) byId.set(event.eventId, event);
    }
    return byId;
  };
  const found: RecordedEvent[] = [];
  for (const [i, claim] of claims.entries()) {
    if (!claim) continue;
    const appendId = claim.header.get(CLAIM_APPEND);
    if (!appends.has(appendId)) appends.set(appendId, eventsOf(claim));
    const event = (await appends.get(appendId)!)?.get(eventIds[i]!);
    if (event) found.push(event);
  }
  return found;
}
