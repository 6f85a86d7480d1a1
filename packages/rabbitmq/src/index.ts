export {
  createRabbitTarget,
  type RabbitTarget,
  type RabbitTargetMetrics,
  type RabbitTargetOptions,
} from './rabbit-target.js';
export {
  consumeRabbit,
  type RabbitBinding,
  type RabbitConsumer,
  type RabbitConsumerMetrics,
  type RabbitConsumerOptions,
} from './rabbit-consumer.js';
export { BrokerDeliveryError } from '@chronicle/core';
export type { ReconnectOptions } from './connection.js';
