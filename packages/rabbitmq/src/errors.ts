import { ChronicleError } from '@chronicle/core';

/**
 * A batch of outbox messages was not confirmed by RabbitMQ: the connection or channel failed, the broker nacked a
 * message, a message was unroutable, or the confirms did not arrive in time. Nothing is known about which of the
 * batch's messages arrived, so the relay repeats the whole batch (consumers drop the copies by message id).
 */
export class BrokerDeliveryError extends ChronicleError {
  readonly code = 'BROKER_DELIVERY_FAILED';
  override readonly retryable = true;
  constructor(
    message: string,
    readonly messages: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
