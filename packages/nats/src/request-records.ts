import { randomUUID } from 'node:crypto';
import type { RequestOutcome, RequestPart } from '@chronicle/core';
import type { StreamHead } from './head-cache.js';
import { isWrongLastSequence } from './jetstream-errors.js';
import { globalPosition } from './positions.js';
import type { StoreContext } from './store-context.js';

/** Consecutive events of one part of an append that carry one request id (indexes into the part's events). */
export type RequestRun = { readonly part: number; readonly from: number; readonly to: number };

/** What a request record says of one run: its stream positions, and where its commit is, counted back from the record. */
type StoredRun = {
  readonly streamId: string;
  readonly from: number;
  readonly to: number;
  readonly back: number;
  readonly index: number;
};
type StoredRecord =
  { readonly kind: 'appended'; readonly runs: readonly StoredRun[] } | Exclude<RequestOutcome, { kind: 'appended' }>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function requestIdOf(metadataJson: string): string | undefined {
  // Most appends carry no request id: look for the word before parsing.
  if (!metadataJson.includes('"requestId"')) return undefined;
  const requestId = (JSON.parse(metadataJson) as { requestId?: unknown }).requestId;
  return typeof requestId === 'string' && requestId !== '' ? requestId : undefined;
}

/** The request ids an append's events carry, each with its runs of events. */
export function requestRuns(
  parts: readonly { readonly events: readonly { readonly metadata: string }[] }[],
): Map<string, RequestRun[]> {
  const runs = new Map<string, RequestRun[]>();
  parts.forEach((part, index) => {
    part.events.forEach((event, i) => {
      const requestId = requestIdOf(event.metadata);
      if (requestId === undefined) return;
      const list = runs.get(requestId) ?? [];
      const last = list[list.length - 1];
      if (last && last.part === index && last.to === i - 1) list[list.length - 1] = { ...last, to: i };
      else list.push({ part: index, from: i, to: i });
      runs.set(requestId, list);
    });
  });
  return runs;
}

/** The body of a request record for runs committed on these heads; `back` counts sequences from the record to the commit. */
export function requestRecord(
  runs: readonly {
    readonly run: RequestRun;
    readonly streamId: string;
    readonly head: StreamHead;
    readonly back: number;
  }[],
): Uint8Array {
  const stored: StoredRun[] = runs.map(({ run, streamId, head, back }) => ({
    streamId,
    from: head.version + 1 + run.from,
    to: head.version + 1 + run.to,
    back,
    index: run.to,
  }));
  return encoder.encode(JSON.stringify({ kind: 'appended', runs: stored }));
}

/** Where the commits of a stored request record are, counted back from the record (none for a no-op or rejection). */
export function recordedRuns(body: Uint8Array): readonly { readonly back: number }[] {
  const stored = JSON.parse(decoder.decode(body)) as StoredRecord;
  return stored.kind === 'appended' ? stored.runs : [];
}

/**
 * The request index of this store: what each request id appended (written by
 * the append itself, in its atomic batch, so "handled" and "stored" never
 * disagree), or the no-op or rejection recorded for it. The inline request
 * index of the SQL stores, without an inline projection.
 */
export async function requestOutcome(context: StoreContext, requestId: string): Promise<RequestOutcome | undefined> {
  const message = await context.io.getMessage(context.layout.eventsStream, {
    last_by_subj: context.layout.requestSubject(requestId),
  });
  if (!message) return undefined;
  const stored = JSON.parse(decoder.decode(message.data)) as StoredRecord;
  if (stored.kind !== 'appended') return stored;
  const parts: RequestPart[] = stored.runs.map((run) => ({
    streamId: run.streamId,
    from: run.from,
    to: run.to,
    globalPosition: globalPosition(message.seq - run.back, run.index),
  }));
  return { kind: 'appended', parts };
}

/** Records a no-op or rejection unless the request id is recorded already (first one wins). Returns whether it was recorded. */
export async function recordRequestOutcome(
  context: StoreContext,
  requestId: string,
  outcome: RequestOutcome,
): Promise<boolean> {
  if (outcome.kind === 'appended') throw new Error('appended outcomes are recorded by the append itself');
  try {
    await context.io.publish(context.layout.requestSubject(requestId), encoder.encode(JSON.stringify(outcome)), {
      msgId: randomUUID(),
      expectLastSubjectSequence: 0,
    });
    return true;
  } catch (error) {
    if (isWrongLastSequence(error)) return false;
    throw error;
  }
}
