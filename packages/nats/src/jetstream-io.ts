import { randomUUID } from 'node:crypto';
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
  type StoredMsg,
} from '@nats-io/jetstream';
import { headers as newHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { retrying } from './jetstream-errors.js';

/** Options of one publish. */
export type PublishOptions = {
  /** `Nats-Msg-Id`: a retried publish with the same id is stored once. */
  readonly msgId: string;
  /** `Nats-Expected-Last-Subject-Sequence`; 0 means "no message on this subject yet". */
  readonly expectLastSubjectSequence?: number;
  readonly headers?: MsgHdrs;
};

/** One message of an atomic batch. */
export type BatchMessage = {
  readonly subject: string;
  readonly body: Uint8Array;
  readonly headers?: MsgHdrs;
  /** `Nats-Expected-Last-Subject-Sequence`, checked when the batch commits. */
  readonly expectLastSubjectSequence?: number;
};

/** Most messages in one atomic batch (the server's limit). */
export const MAX_BATCH_MESSAGES = 1_000;

/** A query of `STREAM.MSG.GET` (always answered by the stream leader, so reads see every acknowledged write). */
export type MessageQuery =
  | { readonly seq: number }
  | { readonly last_by_subj: string }
  | { readonly seq: number; readonly next_by_subj: string };

/**
 * The JetStream requests the store makes, each retried on transient failures
 * until the store's retry budget is spent, then mapped to Chronicle errors.
 */
export type JetStreamIo = {
  publish(subject: string, body: Uint8Array, options: PublishOptions): Promise<PubAck>;
  /**
   * Publishes messages to one stream atomically (nats-server 2.12+): all are
   * stored, at consecutive sequences, or none; every expectation is checked at
   * the commit. Resolves with the last message's ack. A batch cannot carry
   * `Nats-Msg-Id`, so a retried batch is a new one: callers guard every message
   * with an expected sequence, so that at most one attempt can be stored, and
   * find out which by reading (see `commitParts`).
   */
  publishBatch(messages: readonly BatchMessage[]): Promise<PubAck>;
  getMessage(stream: string, query: MessageQuery): Promise<StoredMsg | null>;
  /** The stream's last sequence (0 when empty). */
  lastSequence(stream: string): Promise<number>;
  /** Message counts per subject matching `filter` (all pages). */
  subjects(stream: string, filter: string): Promise<Readonly<Record<string, number>>>;
  deleteMessage(stream: string, seq: number): Promise<void>;
  purgeSubject(stream: string, filter: string): Promise<void>;
  /** Purges the messages of `filter` below sequence `below` (later ones stay). */
  purgeBelow(stream: string, filter: string, below: number): Promise<void>;
};

/**
 * How long a retried request waits for its answer. A request that timed out usually met a stream without a
 * leader (an election after the leader died takes 4-9 s); short retries reach the new leader within this long
 * of its election instead of within a whole `requestTimeoutMs`. Retries are safe: publishes carry their
 * `Nats-Msg-Id` or expected sequences, reads have no effect.
 */
export const RETRY_TIMEOUT_MS = 500;

/** Dependencies of {@link createJetStreamIo}. */
export type JetStreamIoDeps = {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The same requests as `jsm`, with the timeout of retries (see {@link RETRY_TIMEOUT_MS}). */
  readonly jsmRetry: JetStreamManager;
  readonly requestTimeoutMs: number;
  readonly retryForMs: number;
  readonly closed: AbortSignal;
  readonly storeName: string;
};

function batchHeaders(message: BatchMessage, batchId: string, index: number, last: boolean): MsgHdrs {
  const h = newHeaders();
  for (const key of message.headers?.keys() ?? []) {
    for (const value of message.headers!.values(key)) h.append(key, value);
  }
  h.set('Nats-Batch-Id', batchId);
  h.set('Nats-Batch-Sequence', String(index + 1));
  const expected = message.expectLastSubjectSequence;
  if (expected !== undefined) h.set('Nats-Expected-Last-Subject-Sequence', String(expected));
  if (last) h.set('Nats-Batch-Commit', '1');
  return h;
}

const decoder = new TextDecoder();

/**
 * One attempt at an atomic batch: every message but the last is published
 * without waiting (they are staged by the stream leader in order, one
 * connection keeps them in order), the last one commits the batch and gets the ack.
 */
async function publishBatchOnce(
  nc: NatsConnection,
  messages: readonly BatchMessage[],
  timeout: number,
): Promise<PubAck> {
  const batchId = randomUUID();
  const last = messages.length - 1;
  for (let i = 0; i < last; i++) {
    const message = messages[i]!;
    nc.publish(message.subject, message.body, { headers: batchHeaders(message, batchId, i, false) });
  }
  const commit = messages[last]!;
  const headers = batchHeaders(commit, batchId, last, true);
  const reply = await nc.request(commit.subject, commit.body, { headers, timeout });
  type Answer = PubAck & { error?: ConstructorParameters<typeof JetStreamApiError>[0] };
  const ack = JSON.parse(decoder.decode(reply.data)) as Answer;
  if (ack.error) throw new JetStreamApiError(ack.error);
  return ack;
}

/** Builds the store's JetStream request layer. */
export function createJetStreamIo(deps: JetStreamIoDeps): JetStreamIo {
  const { js, closed, storeName } = deps;
  const timeout = (attempt: number): number =>
    attempt === 0 ? deps.requestTimeoutMs : Math.min(deps.requestTimeoutMs, RETRY_TIMEOUT_MS);
  const managed = (attempt: number): JetStreamManager => (attempt === 0 ? deps.jsm : deps.jsmRetry);
  const read = <T>(operation: (jsm: JetStreamManager) => Promise<T>): Promise<T> =>
    retrying((attempt) => operation(managed(attempt)), { deadline: Date.now() + deps.retryForMs, closed, storeName });
  const write = <T>(operation: (attempt: number) => Promise<T>): Promise<T> =>
    retrying(operation, { deadline: Date.now() + deps.retryForMs, closed, storeName, writes: true });

  return {
    publish: (subject, body, options) =>
      write((attempt) =>
        js.publish(subject, body, {
          msgID: options.msgId,
          timeout: timeout(attempt),
          ...(options.headers ? { headers: options.headers } : {}),
          ...(options.expectLastSubjectSequence === undefined
            ? {}
            : { expect: { lastSubjectSequence: options.expectLastSubjectSequence } }),
        }),
      ),
    publishBatch: (messages) => write((attempt) => publishBatchOnce(deps.nc, messages, timeout(attempt))),
    getMessage: (stream, query) => read((jsm) => jsm.streams.getMessage(stream, query)),
    lastSequence: (stream) => read(async (jsm) => (await jsm.streams.info(stream)).state.last_seq),
    subjects: (stream, filter) =>
      read(async (jsm) => (await jsm.streams.info(stream, { subjects_filter: filter })).state.subjects ?? {}),
    deleteMessage: (stream, seq) =>
      write(async (attempt) => {
        await managed(attempt).streams.deleteMessage(stream, seq, false);
      }),
    purgeSubject: (stream, filter) =>
      write(async (attempt) => {
        await managed(attempt).streams.purge(stream, { filter });
      }),
    purgeBelow: (stream, filter, below) =>
      write(async (attempt) => {
        await managed(attempt).streams.purge(stream, { filter, seq: below });
      }),
  };
}
