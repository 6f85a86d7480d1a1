import type { Decider, Event } from '@chronicle/core';
import { LicenseNotFoundError, LicenseReleasedError } from './errors.js';
import { DAY_MS } from './time.js';

// Events: the License aggregate, one stream per license id (the token on the device).
export type LicenseAcquired = Event<
  'LicenseAcquired',
  { licenseId: string; customerId: string; deviceId: string; titleId: string; studioId: string; acquiredAt: string; expiresAt: string }
>;
export type LicenseRenewed = Event<'LicenseRenewed', { renewedAt: string; expiresAt: string }>;
export type LicenseReleased = Event<'LicenseReleased', { releasedAt: string; reason: 'released' | 'device-deactivated' }>;
export type LicenseEvent = LicenseAcquired | LicenseRenewed | LicenseReleased;

export type License =
  | { readonly status: 'none' }
  | {
      readonly status: 'active' | 'released';
      readonly licenseId: string;
      readonly customerId: string;
      readonly deviceId: string;
      readonly titleId: string;
      readonly studioId: string;
      readonly acquiredAt: string;
      readonly expiresAt: string;
      readonly renewals: number;
      readonly releasedAt?: string;
    };

export type LicenseCommand =
  | { readonly type: 'RenewLicense'; readonly licenseId: string; readonly now: Date; readonly licenseDays: number }
  | { readonly type: 'ReleaseLicense'; readonly licenseId: string; readonly now: Date; readonly reason: 'released' | 'device-deactivated' };

/** Event handler (seed 003): license + event → license. */
export function applyLicenseEvent(license: License, event: LicenseEvent): License {
  switch (event.type) {
    case 'LicenseAcquired':
      return { status: 'active', ...event.data, renewals: 0 };
    case 'LicenseRenewed':
      return license.status === 'none' ? license : { ...license, expiresAt: event.data.expiresAt, renewals: license.renewals + 1 };
    case 'LicenseReleased':
      return license.status === 'none' ? license : { ...license, status: 'released', releasedAt: event.data.releasedAt };
  }
}

/** Command handler (seed 003): license + command → events, or a rejection. */
export function handleLicenseCommand(command: LicenseCommand, license: License): LicenseEvent[] {
  if (license.status === 'none') throw new LicenseNotFoundError(command.licenseId);
  switch (command.type) {
    case 'RenewLicense':
      // The talk's worst bug was a license renewed after release: it can never happen here.
      if (license.status === 'released') throw new LicenseReleasedError(command.licenseId);
      return [{ type: 'LicenseRenewed', data: { renewedAt: command.now.toISOString(), expiresAt: new Date(command.now.getTime() + command.licenseDays * DAY_MS).toISOString() } }];
    case 'ReleaseLicense':
      if (license.status === 'released') return [];
      return [{ type: 'LicenseReleased', data: { releasedAt: command.now.toISOString(), reason: command.reason } }];
  }
}

export const licenseDecider: Decider<LicenseCommand, LicenseEvent, License> = {
  initialState: () => ({ status: 'none' }),
  decide: handleLicenseCommand,
  evolve: applyLicenseEvent,
};

export const licenseStream = (licenseId: string): string => `license-${licenseId}`;
