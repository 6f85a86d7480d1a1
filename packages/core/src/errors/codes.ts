/**
 * Every stable error code that Chronicle's own packages raise, with the one-line
 * meaning that documentation and HTTP problem responses use.
 *
 * Codes are part of the public contract: they never change meaning once released.
 * Application errors (see {@link DomainError}) bring their own codes.
 */
export const errorCodes = {
  WRONG_EXPECTED_VERSION: 'The stream is not at the version the append expected (optimistic concurrency conflict).',
  STREAM_NOT_FOUND: 'The stream does not exist.',
  STREAM_DELETED: 'The stream was deleted and cannot be appended to.',
  VALIDATION_FAILED: 'The input is malformed: a bad stream id, event type, payload, expected version or option.',
  PAYLOAD_TOO_LARGE: 'An event is larger than the store accepts.',
  DUPLICATE_EVENT_ID:
    'An event with the same event id is already stored, as a different event (in another stream, or of another type).',
  RETRY_MISMATCH:
    'An append repeats events already stored in its stream, but not exactly as they were appended ' +
    '(some ids are new, or the order differs); nothing was written.',
  NOT_SUPPORTED: 'The store cannot perform this operation (see its capabilities).',
  STORE_CLOSED: 'The store was closed; no further operations are accepted.',
  STORE_UNAVAILABLE: 'The backing database could not be reached or failed transiently; the operation may be retried.',
  STORE_CORRUPT: 'The database file is damaged (a page failed its check); nothing was written. Run `chronicle verify`, then restore from a backup.',
  DOMAIN_RULE_VIOLATED: 'A command was rejected by a business rule (applications use their own, more specific codes).',
  SUBJECT_FORGOTTEN: 'Personal data was written for a data subject that was forgotten (crypto-shredded).',
  BROKER_DELIVERY_FAILED:
    'A broker did not confirm a batch of outbox messages; the relay repeats the batch and consumers drop copies by id.',
  CHECKPOINT_MOVED: 'Another runner advanced a projection checkpoint first; the batch was rolled back and is re-read.',
} as const;

/** A stable error code raised by Chronicle itself. */
export type ChronicleErrorCode = keyof typeof errorCodes;

/** All codes, in declaration order. */
export const allErrorCodes = Object.keys(errorCodes) as ChronicleErrorCode[];
