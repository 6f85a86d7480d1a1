import {
  createOutboxRelay,
  createProjectionRunner,
  silentLogger,
  type EventStore,
  type Logger,
  type ProjectionHost,
  type RelayTargetMetrics,
} from '@chronicle/core';
import { createJetStreamTarget } from '@chronicle/nats';
import type { NatsConnection } from '@nats-io/transport-node';
import { licensePublicEvents } from './license-public-events.js';

/** Options of {@link startLicensePublishing}. */
export type LicensePublishingOptions = {
  readonly store: EventStore;
  readonly host: ProjectionHost<unknown>;
  readonly connection: NatsConnection;
  /** Subjects are `<subjectPrefix>.licenses.<type>`; a JetStream stream must capture them. */
  readonly subjectPrefix: string;
  readonly logger?: Logger;
};

/**
 * Downloads' public events to JetStream: a projection runner writes `LicenseGranted`/`LicenseReleased` to the
 * outbox with its checkpoint (once per domain event), and an outbox relay publishes them with `Nats-Msg-Id`.
 */
export async function startLicensePublishing(
  options: LicensePublishingOptions,
): Promise<{ metrics(): RelayTargetMetrics; stop(): Promise<void> }> {
  const logger = options.logger ?? silentLogger;
  const translate = createProjectionRunner({
    store: options.store,
    host: options.host,
    projection: licensePublicEvents,
    logger,
  });
  const target = await createJetStreamTarget({
    connection: options.connection,
    source: 'downloads',
    subject: (m) => `${options.subjectPrefix}.${m.topic}.${m.type}`,
  });
  const relay = createOutboxRelay({ host: options.host, store: options.store, publish: target.publish, logger });
  translate.start();
  relay.start();
  return {
    metrics: () => target.metrics(),
    async stop() {
      await Promise.all([translate.stop(), relay.stop()]);
      await target.close();
    },
  };
}
