// Errors
export {
  ChronicleError,
  isChronicleError,
  errorCodes,
  allErrorCodes,
  WrongExpectedVersionError,
  StreamNotFoundError,
  ValidationError,
  PayloadTooLargeError,
  DuplicateEventIdError,
  RetryMismatchError,
  NotSupportedError,
  StoreClosedError,
  StoreUnavailableError,
  StoreCorruptError,
  BrokerDeliveryError,
  DomainError,
  type ChronicleErrorCode,
  type ValidationIssue,
} from './errors/index.js';

// Event model
export type { Event, EventMetadata, JsonValue, NewEvent, RecordedEvent } from './events/event.js';

// Store contract and in-memory store
export type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  GlobalLogFilter,
  ListStreamsOptions,
  ReadAllOptions,
  ReadStreamOptions,
  StoreInfo,
  StreamAppend,
  StreamInfo,
  SubscribeOptions,
} from './store/event-store.js';
export { createInMemoryStore, type InMemoryEventStore, type InMemoryStoreOptions } from './store/in-memory-store.js';
export {
  STREAM_DELETED_EVENT,
  StreamDeletedError,
  firstVisiblePosition,
  hasStreamLifecycle,
  normalizeStreamMetadata,
  withinMaxAge,
  type DeleteStreamOptions,
  type StreamDeletedData,
  type StreamLifecycle,
  type StreamMetadata,
} from './store/stream-lifecycle.js';
export { isArchivable, type ArchivableStore } from './store/archivable.js';

// Building blocks for adapters
export { AppendSignal } from './store/append-signal.js';
export { subscribeToAll, type SubscriptionSource } from './store/subscription.js';
export { SubscriptionStarts, startPosition } from './store/subscription-starts.js';
export { assertGlobalLogFilter, filterPredicate } from './store/global-filter.js';
export {
  appendOrRepeat,
  repeatedAppend,
  suppliesEventIds,
  type EventsById,
  type RepeatablePart,
} from './store/repeated-append.js';
export {
  DEFAULT_MAX_EVENT_BYTES,
  MAX_EVENT_TYPE_LENGTH,
  MAX_STREAM_ID_LENGTH,
  assertExpectedVersion,
  assertListStreamsOptions,
  assertReadAllOptions,
  assertReadStreamOptions,
  assertStreamId,
  checkExpectedVersion,
  prepareEvents,
  prepareMulti,
  type PreparedEvent,
} from './store/validation.js';

// Deciders and command handling
export { decisionEvents, fold, type Decider } from './decider/decider.js';
export { aggregateStream, type AggregateStreamOptions, type LoadedState } from './decider/aggregate-stream.js';
export {
  createCommandHandler,
  type CommandHandler,
  type CommandHandlerOptions,
  type CommandResult,
  type HandleOptions,
  type ReactionError,
} from './commands/command-handler.js';
export {
  REQUEST_COLLECTION,
  ReplayedRejectionError,
  builtInInlineProjections,
  findOutcome,
  recordOutcomeOnce,
  rejectionOf,
  requestIndex,
  type RequestOutcome,
  type RequestPart,
} from './commands/idempotency.js';

// Snapshots, event versioning, time travel
export {
  SNAPSHOT_COLLECTION,
  createAggregateLoader,
  type AggregateLoader,
  type LoadStats,
  type Snapshot,
  type SnapshotPolicy,
} from './snapshots/aggregate-loader.js';
export {
  SCHEMA_VERSION_KEY,
  storedVersion,
  upcast,
  validateData,
  type DataSchema,
  type EventSchemas,
  type EventTypeSchema,
  type UpcastEvent,
  type Upcaster,
} from './upcasting/event-schemas.js';
export { withEventSchemas } from './upcasting/with-event-schemas.js';
export { readAllUntil, stateAt } from './store/time-travel.js';
export { retryDelay, sleep, type RetryPolicy } from './commands/retry.js';

// Projections, reactors, outbox
export * from './projections/index.js';

// Privacy: crypto-shredding
export { documentKeyStore, KEY_COLLECTION, SubjectForgottenError, type KeyStore } from './privacy/key-store.js';
export { REDACTED, withCryptoShredding, type CryptoShreddingOptions, type PersonalDataSpec, type PersonalFields, type ShreddingStore } from './privacy/crypto-shredding.js';

// Hot/cold storage tiers
export * from './tiers/index.js';
