export { createNatsStore, type NatsEventStore } from './nats-store.js';
export { DEFAULT_NATS_URL, natsUrlFromEnv, type NatsStoreOptions } from './options.js';
export type { DurableFeed, DurableFeedOptions } from './durable-feed.js';
export { EVENTS_PER_MESSAGE, globalPosition, messageOf } from './positions.js';
export { encodeStreamId, decodeStreamId } from './subjects.js';
export {
  createJetStreamTarget,
  type JetStreamTarget,
  type JetStreamTargetOptions,
} from './jetstream-target.js';
/** Thrown when JetStream does not acknowledge a batch (core's, re-exported). */
export { BrokerDeliveryError } from '@chronicle/core';
export {
  consumeJetStream,
  type JetStreamConsumer,
  type JetStreamConsumerMetrics,
  type JetStreamConsumerOptions,
} from './jetstream-consumer.js';
