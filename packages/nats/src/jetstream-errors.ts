import { StoreClosedError, StoreUnavailableError, isChronicleError } from '@chronicle/core';
import { JetStreamApiCodes, JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import {
  ConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
  errors as natsErrors,
} from '@nats-io/transport-node';

/** True when a publish failed its `Nats-Expected-Last-Subject-Sequence` check: someone else appended first. */
export function isWrongLastSequence(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/**
 * An atomic batch the server did not store: too many batches in flight on the
 * stream (a 429), or incomplete (a staged message was lost, say on a reconnect).
 */
const BATCH_NOT_STORED = new Set([10176, 10210]);

/** True when the request never reached a stream leader, or was refused before storing anything. */
function neverArrived(error: unknown): boolean {
  return (
    (error instanceof JetStreamApiError && BATCH_NOT_STORED.has(error.code)) ||
    error instanceof NoRespondersError ||
    // The client reports "no responders" on a JetStream subject as JetStreamNotEnabled (not exported).
    (error instanceof Error && error.name === 'JetStreamNotEnabled') ||
    (error instanceof RequestError && error.isNoResponders()) ||
    (error instanceof JetStreamApiError && error.status === 503)
  );
}

/** True for failures that may pass by themselves: timeouts, leader elections, reconnects. */
export function isTransient(error: unknown): boolean {
  return (
    neverArrived(error) ||
    error instanceof TimeoutError ||
    error instanceof ConnectionError ||
    error instanceof RequestError
  );
}

/** How to retry one JetStream operation. */
export type RetryPolicy = {
  /** Give up at this `Date.now()`. */
  readonly deadline: number;
  /** Aborted when the store closes. */
  readonly closed: AbortSignal;
  readonly storeName: string;
  /** The operation writes: a timed-out attempt may have taken effect. */
  readonly writes?: boolean;
};

const NATS_ERRORS: readonly (abstract new (...args: never[]) => Error)[] = [
  JetStreamApiError,
  JetStreamError,
  ...Object.values(natsErrors),
];

/** Errors raised by the NATS client or server, as opposed to bugs and configuration mistakes. */
function fromNats(error: unknown): boolean {
  return neverArrived(error) || NATS_ERRORS.some((type) => error instanceof type);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `operation` (given the attempt number, from 0), retrying transient failures with backoff until the
 * deadline. Other NATS errors, and transient ones past the deadline, become
 * `STORE_UNAVAILABLE` (or `STORE_CLOSED` once the store is closed); anything
 * else (Chronicle errors, bugs) passes through. Only
 * idempotent operations may be retried this way: appends carry a `Nats-Msg-Id`.
 */
export async function retrying<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  let outcomeUnknown = false;
  for (let attempt = 0; ; attempt++) {
    if (policy.closed.aborted) throw new StoreClosedError(policy.storeName);
    try {
      return await operation(attempt);
    } catch (error) {
      if (isChronicleError(error) || isWrongLastSequence(error) || !fromNats(error)) throw error;
      if (policy.closed.aborted) throw new StoreClosedError(policy.storeName);
      if (policy.writes && !neverArrived(error)) outcomeUnknown = true;
      if (!isTransient(error) || Date.now() >= policy.deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StoreUnavailableError(`NATS JetStream: ${reason}`, outcomeUnknown, { cause: error });
      }
      await sleep(Math.min(250, 25 * 2 ** attempt), policy.closed);
    }
  }
}
