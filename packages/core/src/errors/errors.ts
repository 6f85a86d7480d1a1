import { ChronicleError } from './chronicle-error.js';
import type { ExpectedVersion } from '../store/event-store.js';

/**
 * An append's expected version did not match the stream. Nothing of that append
 * (or of the multi-stream append it belonged to) was stored.
 */
export class WrongExpectedVersionError extends ChronicleError {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's version when the append was checked, or `'no_stream'`. */
    readonly actual: number | 'no_stream',
  ) {
    super(`${streamId}: expected version ${String(expected)}, found ${String(actual)}`);
  }
}

/** The stream does not exist. */
export class StreamNotFoundError extends ChronicleError {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(readonly streamId: string) {
    super(`stream ${JSON.stringify(streamId)} not found`);
  }
}

/** One problem found while validating input. `path` names the field, e.g. `events[2].type`. */
export type ValidationIssue = { readonly path: string; readonly message: string };

/** Input was rejected before anything was written. */
export class ValidationError extends ChronicleError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
  }
  /** Shorthand for a single issue. */
  static of(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

/** An event's serialized size exceeds the store's limit. Nothing was written. */
export class PayloadTooLargeError extends ChronicleError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(
    readonly path: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${path}: ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

/**
 * An appended event carried an `eventId` that is already stored as another
 * event (in another stream, or of another type). Nothing was written. (An
 * append that repeats stored events exactly is an idempotent retry instead:
 * it returns the original result.)
 */
export class DuplicateEventIdError extends ChronicleError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly eventId: string,
    detail?: string,
  ) {
    super(`event id ${eventId} is already stored${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * An append repeats some events already stored in its stream but is not an
 * exact repeat of stored events: some of its ids are new, or the stored ones
 * are in another order or not consecutive. Nothing was written. A retry must
 * send the very same events, in the same order, to the same stream.
 */
export class RetryMismatchError extends ChronicleError {
  readonly code = 'RETRY_MISMATCH';
  constructor(
    readonly streamId: string,
    /** The append's event ids that are stored. */
    readonly storedEventIds: readonly string[],
    /** The append's event ids that are not. */
    readonly newEventIds: readonly string[],
    reason: string,
  ) {
    super(`append to ${streamId} is not a repeat of stored events: ${reason}`);
  }
}

/** The store does not implement the operation; check `store.info` before calling. */
export class NotSupportedError extends ChronicleError {
  readonly code = 'NOT_SUPPORTED';
  constructor(
    readonly operation: string,
    readonly store: string,
    reason?: string,
  ) {
    super(`${store} does not support ${operation}${reason ? `: ${reason}` : ''}`);
  }
}

/** The store was closed. */
export class StoreClosedError extends ChronicleError {
  readonly code = 'STORE_CLOSED';
  constructor(readonly store: string) {
    super(`${store} store is closed`);
  }
}

/**
 * The backing database failed transiently (connection lost, busy, failover).
 * The operation did not take effect, or its outcome is unknown when
 * `outcomeUnknown` is true; retrying with the same expected version is safe.
 */
export class StoreUnavailableError extends ChronicleError {
  readonly code = 'STORE_UNAVAILABLE';
  override readonly retryable = true;
  constructor(
    message: string,
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The database file is damaged: SQLite found a malformed page. Retrying does
 * not help (the same page fails again); the operation wrote nothing. Operators
 * run `chronicle verify` and restore from a backup.
 */
export class StoreCorruptError extends ChronicleError {
  readonly code = 'STORE_CORRUPT';
  constructor(
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A broker did not confirm a batch of outbox messages (a lost connection or channel, a nack, an unroutable
 * message, no stream for the subject, or acks that did not arrive in time). Nothing is known about which of the
 * batch's messages arrived, so the relay repeats the whole batch; consumers (or the broker's own dedupe, as
 * JetStream's `Nats-Msg-Id`) drop the copies by message id.
 */
export class BrokerDeliveryError extends ChronicleError {
  readonly code = 'BROKER_DELIVERY_FAILED';
  override readonly retryable = true;
  constructor(
    message: string,
    /** How many messages the failed batch held. */
    readonly messages: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Base for business-rule rejections raised by deciders. Give each rule its own
 * code so that callers (and the HTTP server, which answers 409) can branch on it.
 *
 * @example
 * class TooManyDrinksError extends DomainError {
 *   constructor(readonly allowed: number) { super('TOO_MANY_DRINKS', `at most ${allowed} drinks`); }
 * }
 */
export class DomainError extends ChronicleError {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
