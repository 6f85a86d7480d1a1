import { publicEvents, type Projection } from '@chronicle/core';
import { licenseStream, type LicenseAcquired, type LicenseReleased } from '../domain/license.js';

const streamPrefix = licenseStream('');

/** Downloads' public events, on topic `licenses`: what billing and other services may rely on. */
export type LicensePublicEvent =
  | {
      readonly type: 'LicenseGranted';
      readonly data: { licenseId: string; customerId: string; titleId: string; studioId: string; at: string };
    }
  | { readonly type: 'LicenseReleased'; readonly data: { licenseId: string; reason: string; at: string } };

/**
 * Translates license events into public events. The domain's `LicenseAcquired` is published as `LicenseGranted`
 * (the public contract need not follow internal names), without the device id; renewals stay inside.
 * Run it with `createProjectionRunner` (it works on every store; NATS stores refuse inline projections).
 */
export const licensePublicEvents: Projection = publicEvents({
  name: 'public-licenses',
  topic: 'licenses',
  eventTypes: ['LicenseAcquired', 'LicenseReleased'],
  map(event) {
    if (event.type === 'LicenseAcquired') {
      const { licenseId, customerId, titleId, studioId, acquiredAt } = event.data as LicenseAcquired['data'];
      return { type: 'LicenseGranted', data: { licenseId, customerId, titleId, studioId, at: acquiredAt } };
    }
    const { releasedAt, reason } = event.data as LicenseReleased['data'];
    return {
      type: 'LicenseReleased',
      data: { licenseId: event.streamId.slice(streamPrefix.length), reason, at: releasedAt },
    };
  },
});
