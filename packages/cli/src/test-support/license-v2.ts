// A "new version" of the Downloads license decider for shadow-replay tests:
// renewals are limited to one per license, a release also ends the license's
// validity (expiresAt = releasedAt), and a renewal recorded after a release
// (the talk's bug) is ignored — so released licenses' states differ.
import { DomainError, type Decider } from '@chronicle/core';
import { applyLicenseEvent, handleLicenseCommand, type License, type LicenseCommand, type LicenseEvent } from '../../../../apps/downloads/src/domain/license.js';

class RenewalLimitError extends DomainError {
  constructor(licenseId: string) {
    super('RENEWAL_LIMIT_REACHED', `license ${licenseId} was already renewed once`);
  }
}

export const decider: Decider<LicenseCommand, LicenseEvent, License> = {
  initialState: () => ({ status: 'none' }),
  decide(command, license) {
    if (command.type === 'RenewLicense' && license.status === 'active' && license.renewals >= 1) throw new RenewalLimitError(command.licenseId);
    return handleLicenseCommand(command, license);
  },
  evolve(license, event) {
    if (event.type === 'LicenseRenewed' && license.status === 'released') return license;
    const next = applyLicenseEvent(license, event);
    return event.type === 'LicenseReleased' && next.status === 'released' ? { ...next, expiresAt: event.data.releasedAt } : next;
  },
};
