import type { Rules } from '../rules.js';
import { studioLimit, titleLimit } from '../rules.js';
import { activeDevices, type Account, type LicenseActivated } from './account.js';
import type { Downloaded, TitleDownloaded } from './downloaded.js';
import { DeviceLimitReachedError, StudioLimitReachedError, YearlyLimitReachedError } from './errors.js';
import type { LicenseAcquired } from './license.js';
import { DAY_MS, countedInstants, nextFreeSlot } from './time.js';

/** A download request from a device. */
export type AcquireLicense = {
  readonly licenseId: string;
  readonly customerId: string;
  readonly deviceId: string;
  readonly titleId: string;
  readonly studioId: string;
  readonly now: Date;
};

/** The events of one acquisition, one list per aggregate. */
export type AcquisitionEvents = {
  readonly account: LicenseActivated[];
  readonly downloaded: TitleDownloaded[];
  readonly license: LicenseAcquired[];
};

/**
 * The acquisition rules, across the three aggregates it touches: the title's
 * yearly limit (Downloaded), the device limit and the studio limit (Account).
 * Pure: the caller appends the result to all three streams atomically with
 * the versions it read, so concurrent acquisitions cannot overshoot a limit.
 */
export function decideAcquisition(command: AcquireLicense, account: Account, downloaded: Downloaded, rules: Rules): AcquisitionEvents {
  const { licenseId, customerId, deviceId, titleId, studioId, now } = command;
  const instants = downloaded.downloads.map((d) => d.at);
  const yearly = titleLimit(rules, titleId);
  if (countedInstants(instants, now).length >= yearly) {
    throw new YearlyLimitReachedError(titleId, yearly, nextFreeSlot(instants, now, yearly));
  }
  const devices = activeDevices(account);
  if (!devices.includes(deviceId) && devices.length >= rules.devicesPerAccount) throw new DeviceLimitReachedError(rules.devicesPerAccount, devices);
  const studio = studioLimit(rules, studioId);
  if (Object.values(account.active).filter((license) => license.studioId === studioId).length >= studio) throw new StudioLimitReachedError(studioId, studio);
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + rules.licenseDays * DAY_MS).toISOString();
  return {
    account: [{ type: 'LicenseActivated', data: { licenseId, deviceId, titleId, studioId, at } }],
    downloaded: [{ type: 'TitleDownloaded', data: { licenseId, deviceId, at } }],
    license: [{ type: 'LicenseAcquired', data: { licenseId, customerId, deviceId, titleId, studioId, acquiredAt: at, expiresAt } }],
  };
}
