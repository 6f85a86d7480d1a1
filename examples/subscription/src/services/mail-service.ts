import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger, ProjectionHost } from '@chronicle/core';
import { consumeRabbit, type RabbitConsumer } from '@chronicle/rabbitmq';
import type { SubscriptionPublicEvent } from './public-events.js';

/** Options of {@link startMailService}. */
export type MailServiceOptions = {
  /** RabbitMQ URL, e.g. `amqp://guest:guest@127.0.0.1:5672/%2F`. */
  readonly amqpUrl: string;
  /** Exchange the subscription service publishes to. */
  readonly exchange: string;
  /** The mail service's own store (its inbox of handled message ids, and its log of sent mails). */
  readonly host: ProjectionHost<unknown>;
  /** Folder the "sent" mails are written to, one file per mail. */
  readonly mailDir: string;
  readonly logger?: Logger;
};

/**
 * The mail service of seed 002 as a service of its own: it reacts to the subscription service's public events
 * from RabbitMQ and "sends" a mail for each, by writing a file to `mailDir`. Sending is deliberately not
 * idempotent (every send makes a new file, as a real mail server would), so the folder shows what the consumer
 * guarantees: a redelivered event is skipped by the inbox, and each event makes one mail.
 *
 * The limit: the mail is written inside the handler's transaction, before the commit; a mail service that dies
 * between the two sends that mail again when the message is redelivered.
 */
export async function startMailService(options: MailServiceOptions): Promise<RabbitConsumer> {
  mkdirSync(options.mailDir, { recursive: true });
  return consumeRabbit({
    url: options.amqpUrl,
    queue: 'mail-service',
    bindings: [{ exchange: options.exchange, pattern: 'subscriptions.#' }],
    host: options.host,
    ...(options.logger ? { logger: options.logger } : {}),
    async handle(message, tx) {
      const event = { type: message.type, data: message.data } as SubscriptionPublicEvent;
      const { subscriptionId } = event.data;
      const subject = event.type === 'SubscriptionActivated' ? 'Welcome aboard' : 'Sorry to see you go';
      const mail = `To: ${subscriptionId}@example.com\nSubject: ${subject}\nMessage-Id: ${message.messageId}\n\n${subject}!\n`;
      const file = `${subscriptionId}-${event.type}-${randomUUID()}.eml`;
      writeFileSync(join(options.mailDir, `.${file}.tmp`), mail);
      renameSync(join(options.mailDir, `.${file}.tmp`), join(options.mailDir, file));
      await tx.documents.put('sent-mails', message.messageId, { file, to: subscriptionId, subject });
    },
  });
}
