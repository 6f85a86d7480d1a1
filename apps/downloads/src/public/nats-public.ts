import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Settings shared by the publishing sidecar and the billing counter, from the environment. */
export const publicSettings = {
  servers: process.env.PUBLIC_NATS_URL ?? 'nats://127.0.0.1:4222',
  stream: process.env.PUBLIC_STREAM ?? 'DOWNLOADS_PUBLIC',
  subjectPrefix: process.env.PUBLIC_SUBJECT_PREFIX ?? 'downloads.public',
};

/** Creates the JetStream stream of Downloads' public events when it is missing. */
export async function ensurePublicStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const exists = await jsm.streams.info(publicSettings.stream).catch(() => undefined);
  if (!exists) {
    await jsm.streams.add({ name: publicSettings.stream, subjects: [`${publicSettings.subjectPrefix}.>`] });
  }
}
