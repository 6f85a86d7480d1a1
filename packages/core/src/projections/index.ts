export type { Documents, DocumentEntry, FindOptions } from './documents.js';
export type {
  Checkpoint,
  Leases,
  OutboxMessage,
  ParkedEvent,
  ParkedEvents,
  ProjectionHost,
  ProjectionTx,
  StoredOutboxMessage,
  StoreWithProjections,
  TxCheckpoints,
  TxOutbox,
} from './host.js';
export { applyProjection, projectionContext, projectionVersion, relevantEvents, type Projection, type ProjectionContext } from './projection.js';
export { documentProjection, type DocumentProjectionOptions } from './document-projection.js';
export { createInMemoryProjectionHost, type InMemoryProjectionHost } from './in-memory-host.js';
export { CheckpointMovedError, createConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
export { RateMeter, type ConsumerState, type ConsumerStatus } from './consumer-status.js';
export { checkpointName, createProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';
export { causedBy, createReactorRunner, type Reactor, type ReactorContext, type ReactorRunner, type ReactorRunnerOptions } from './reactor.js';
export { createOutboxRelay, publicEvents, type OutboxRelay, type OutboxRelayOptions, type PublicEvent, type PublicEventsOptions, type Publisher } from './outbox.js';
export { activeCollection, activeVersion, rebuildBlueGreen, PROJECTION_REGISTRY, type BlueGreenOptions } from './blue-green.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { Mutex } from './mutex.js';
export {
  envelopeHeaders,
  outboxEnvelope,
  readEnvelope,
  type EnvelopeOptions,
  type OutboxEnvelope,
  type ReceivedMessage,
} from './outbox-envelope.js';
export {
  handleOnce,
  inboxCollection,
  type InboxConsumer,
  type InboxConsumerMetrics,
  type InboxConsumerOptions,
  type InboxHandler,
} from './inbox.js';
export { trackTargetMetrics, type RelayTargetMetrics, type TargetMetricsTracker } from './target-metrics.js';
