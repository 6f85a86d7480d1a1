import type { Decider, Event } from '@chronicle/core';
import { DeactivationLimitReachedError, DeviceNotOwnedError } from './errors.js';
import { countedInstants } from './time.js';

// The account-level aggregate: which licenses are active on which devices, and
// the device deactivations. One stream per customer.
export type LicenseActivated = Event<'LicenseActivated', { licenseId: string; deviceId: string; titleId: string; studioId: string; at: string }>;
export type LicenseDeactivated = Event<'LicenseDeactivated', { licenseId: string; at: string }>;
export type DeviceDeactivated = Event<'DeviceDeactivated', { deviceId: string; at: string; licenseIds: string[] }>;
export type AccountEvent = LicenseActivated | LicenseDeactivated | DeviceDeactivated;

export type ActiveLicense = { readonly deviceId: string; readonly titleId: string; readonly studioId: string };

export type Account = {
  /** Licenses not released, by license id. */
  readonly active: Readonly<Record<string, ActiveLicense>>;
  /** Every license ever acquired (for the dump). */
  readonly licenses: readonly string[];
  /** Every title ever downloaded. */
  readonly titles: readonly string[];
  /** Every device that ever held one of this customer's licenses. */
  readonly devices: readonly string[];
  readonly deactivations: readonly string[];
};

export function applyAccountEvent(account: Account, event: AccountEvent): Account {
  switch (event.type) {
    case 'LicenseActivated': {
      const { licenseId, deviceId, titleId, studioId } = event.data;
      return {
        ...account,
        active: { ...account.active, [licenseId]: { deviceId, titleId, studioId } },
        licenses: account.licenses.includes(licenseId) ? account.licenses : [...account.licenses, licenseId],
        titles: account.titles.includes(titleId) ? account.titles : [...account.titles, titleId],
        devices: account.devices.includes(deviceId) ? account.devices : [...account.devices, deviceId],
      };
    }
    case 'LicenseDeactivated': {
      const { [event.data.licenseId]: _gone, ...active } = account.active;
      return { ...account, active };
    }
    case 'DeviceDeactivated': {
      const active = Object.fromEntries(Object.entries(account.active).filter(([, license]) => license.deviceId !== event.data.deviceId));
      return { ...account, active, deactivations: [...account.deactivations, event.data.at] };
    }
  }
}

/** Devices that currently hold active licenses. */
export function activeDevices(account: Account): string[] {
  return [...new Set(Object.values(account.active).map((license) => license.deviceId))];
}

export type AccountCommand = { readonly type: 'DeactivateDevice'; readonly deviceId: string; readonly now: Date; readonly deactivationsPerYear: number };

/**
 * Command handler: remote deactivation releases every active license of the device, within the yearly limit.
 * A device that never held a license of this customer is refused (`DEVICE_NOT_OWNED`); one whose licenses
 * are all released already is a no-op.
 */
export function handleAccountCommand(command: AccountCommand, account: Account): AccountEvent[] {
  const licenseIds = Object.entries(account.active)
    .filter(([, license]) => license.deviceId === command.deviceId)
    .map(([licenseId]) => licenseId);
  if (licenseIds.length === 0) {
    if (!account.devices.includes(command.deviceId)) throw new DeviceNotOwnedError(command.deviceId);
    return []; // nothing active on that device: a no-op, and it costs no deactivation
  }
  if (countedInstants(account.deactivations, command.now).length >= command.deactivationsPerYear) {
    throw new DeactivationLimitReachedError(command.deactivationsPerYear);
  }
  return [{ type: 'DeviceDeactivated', data: { deviceId: command.deviceId, at: command.now.toISOString(), licenseIds } }];
}

export const accountDecider: Decider<AccountCommand, AccountEvent, Account> = {
  initialState: () => ({ active: {}, licenses: [], titles: [], devices: [], deactivations: [] }),
  decide: handleAccountCommand,
  evolve: applyAccountEvent,
};

export const accountStream = (customerId: string): string => `account-${customerId}`;
