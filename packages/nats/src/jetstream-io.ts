import type { JetStreamClient, JetStreamManager, PubAck, StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { retrying } from './jetstream-errors.js';

/** Options of one publish. */
export type PublishOptions = {
  /** `Nats-Msg-Id`: a retried publish with the same id is stored once. */
  readonly msgId: string;
  /** `Nats-Expected-Last-Subject-Sequence`; 0 means "no message on this subject yet". */
  readonly expectLastSubjectSequence?: number;
  readonly headers?: MsgHdrs;
};

/** A query of `STREAM.MSG.GET` (always answered by the stream leader, so reads see every acknowledged write). */
export type MessageQuery = { readonly seq: number } | { readonly last_by_subj: string } | { readonly seq: number; readonly next_by_subj: string };

/**
 * The JetStream requests the store makes, each retried on transient failures
 * until the store's retry budget is spent, then mapped to Chronicle errors.
 */
export type JetStreamIo = {
  publish(subject: string, body: Uint8Array, options: PublishOptions): Promise<PubAck>;
  getMessage(stream: string, query: MessageQuery): Promise<StoredMsg | null>;
  /** The stream's last sequence (0 when empty). */
  lastSequence(stream: string): Promise<number>;
  /** Message counts per subject matching `filter` (all pages). */
  subjects(stream: string, filter: string): Promise<Readonly<Record<string, number>>>;
  deleteMessage(stream: string, seq: number): Promise<void>;
  purgeSubject(stream: string, filter: string): Promise<void>;
};

/** Dependencies of {@link createJetStreamIo}. */
export type JetStreamIoDeps = {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly requestTimeoutMs: number;
  readonly retryForMs: number;
  readonly closed: AbortSignal;
  readonly storeName: string;
};

/** Builds the store's JetStream request layer. */
export function createJetStreamIo(deps: JetStreamIoDeps): JetStreamIo {
  const { js, jsm, closed, storeName } = deps;
  const read = <T>(operation: () => Promise<T>): Promise<T> =>
    retrying(operation, { deadline: Date.now() + deps.retryForMs, closed, storeName });
  const write = <T>(operation: () => Promise<T>): Promise<T> =>
    retrying(operation, { deadline: Date.now() + deps.retryForMs, closed, storeName, writes: true });

  return {
    publish: (subject, body, options) =>
      write(() =>
        js.publish(subject, body, {
          msgID: options.msgId,
          timeout: deps.requestTimeoutMs,
          ...(options.headers ? { headers: options.headers } : {}),
          ...(options.expectLastSubjectSequence === undefined ? {} : { expect: { lastSubjectSequence: options.expectLastSubjectSequence } }),
        }),
      ),
    getMessage: (stream, query) => read(() => jsm.streams.getMessage(stream, query)),
    lastSequence: (stream) => read(async () => (await jsm.streams.info(stream)).state.last_seq),
    subjects: (stream, filter) => read(async () => (await jsm.streams.info(stream, { subjects_filter: filter })).state.subjects ?? {}),
    deleteMessage: (stream, seq) =>
      write(async () => {
        await jsm.streams.deleteMessage(stream, seq, false);
      }),
    purgeSubject: (stream, filter) =>
      write(async () => {
        await jsm.streams.purge(stream, { filter });
      }),
  };
}
