import type { Logger, ProjectionHost } from '@chronicle/core';
import { consumeJetStream, type JetStreamConsumer } from '@chronicle/nats';
import type { NatsConnection } from '@nats-io/transport-node';
import type { LicensePublicEvent } from './license-public-events.js';

/** What billing knows per studio: licenses granted and released (royalties are paid per grant). */
export type StudioBill = { readonly studioId: string; readonly granted: number; readonly released: number };

/** Options of {@link startBillingCounter}. */
export type BillingCounterOptions = {
  readonly connection: NatsConnection;
  /** The JetStream stream capturing Downloads' public subjects. */
  readonly stream: string;
  /** Subject prefix Downloads publishes under (`<prefix>.licenses.<type>`). */
  readonly subjectPrefix: string;
  /** Billing's own store. */
  readonly host: ProjectionHost<unknown>;
  readonly logger?: Logger;
};

/**
 * A small billing service: counts granted and released licenses per studio from Downloads' public events on
 * JetStream, once in effect (each count is written in the transaction that records the message id). A release
 * names only the license, so the counter keeps the license's studio from its grant.
 */
export function startBillingCounter(options: BillingCounterOptions): Promise<JetStreamConsumer> {
  return consumeJetStream({
    connection: options.connection,
    stream: options.stream,
    durable: 'billing',
    filterSubjects: [`${options.subjectPrefix}.licenses.>`],
    host: options.host,
    ...(options.logger ? { logger: options.logger } : {}),
    async handle(message, tx) {
      const event = { type: message.type, data: message.data } as LicensePublicEvent;
      const studioId =
        event.type === 'LicenseGranted'
          ? event.data.studioId
          : (await tx.documents.get<{ studioId: string }>('billing-licenses', event.data.licenseId))?.studioId;
      if (studioId === undefined) throw new Error(`release of unknown license ${event.data.licenseId}`);
      if (event.type === 'LicenseGranted')
        await tx.documents.put('billing-licenses', event.data.licenseId, { studioId });
      const bill = (await tx.documents.get<StudioBill>('billing-studios', studioId)) ?? {
        studioId,
        granted: 0,
        released: 0,
      };
      await tx.documents.put('billing-studios', studioId, {
        ...bill,
        granted: bill.granted + (event.type === 'LicenseGranted' ? 1 : 0),
        released: bill.released + (event.type === 'LicenseReleased' ? 1 : 0),
      });
    },
  });
}
