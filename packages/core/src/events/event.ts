/**
 * JSON value: what event data and metadata are made of. Stores persist JSON, so
 * `undefined` fields are dropped, `Date`s become strings and `-0` becomes `0`.
 */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Metadata stored with an event. The well-known keys are filled in by the command
 * handler when known; any other JSON fields may be added.
 */
export type EventMetadata = {
  /** Id shared by everything caused by one original request or message. */
  readonly correlationId?: string;
  /** Id of the command or event that directly caused this event. */
  readonly causationId?: string;
  /** Id of the client request that produced this event (idempotency). */
  readonly requestId?: string;
  readonly [key: string]: unknown;
};

/**
 * An event as an application writes it: a past-tense `type`, JSON `data` and
 * optional metadata.
 *
 * @example
 * const ordered: NewEvent = { type: 'DrinksOrdered', data: { tableId: 't1', drinks: ['cola'] } };
 */
export type NewEvent<Type extends string = string, Data = unknown, Metadata extends EventMetadata = EventMetadata> = {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: Metadata;
  /** Optional caller-chosen UUID (e.g. when importing); the store generates one otherwise. */
  readonly eventId?: string;
};

/**
 * An event as the store returns it.
 *
 * Positions are JavaScript numbers holding integers, exact up to 2^53 - 1:
 * - `streamPosition` is 1 for a stream's first event and grows by exactly 1;
 *   a stream's *version* is the position of its last event (0 for no events).
 * - `globalPosition` is unique across the store, >= 1 and strictly increasing in
 *   commit-visible order of the global log. It may have gaps (e.g. rolled-back
 *   transactions), so never derive counts from it.
 */
export type RecordedEvent<Type extends string = string, Data = unknown, Metadata extends EventMetadata = EventMetadata> = {
  readonly eventId: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: Metadata;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: number;
  /** When the store accepted the event (millisecond precision). */
  readonly recordedAt: Date;
  /**
   * Present when the event was upcast on read: the type and schema version it
   * is stored as. `metadata.schemaVersion` then holds the version it was
   * upcast to.
   */
  readonly storedAs?: { readonly type: string; readonly schemaVersion: number };
};

/** The shape a decider works with: a type and its data. `NewEvent` and `RecordedEvent` both fit. */
export type Event<Type extends string = string, Data = unknown> = {
  readonly type: Type;
  readonly data: Data;
};
