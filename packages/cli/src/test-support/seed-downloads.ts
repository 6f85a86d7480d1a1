import { createInMemoryProjectionHost, type EventStore } from '@chronicle/core';
import { defaultRules, memoryRules, type Rules } from '../../../../apps/downloads/src/rules.js';
import { appendRulesChange } from '../../../../apps/downloads/src/stored-rules.js';
import { DownloadsService } from '../../../../apps/downloads/src/service.js';

const DAY = 24 * 60 * 60 * 1000;

/** Licenses of the seeded history that stricter rules would reject, and why. */
export type SeededHistory = {
  /** Acquisitions `stricterRules` rejects: licenseId → [customerId, code]. */
  readonly rejectedByStricter: ReadonlyMap<string, readonly [string, string]>;
  /** A license renewed twice (diverges under a decider that counts renewals differently). */
  readonly renewedLicense: string;
  /** c2's license, released by the deactivation of its device. */
  readonly deactivatedLicense: string;
  /** The acquisition the rules in force then (v3 from day 80: 2 downloads per title) did not allow. */
  readonly grantedAgainstRulesThen: string;
  readonly customers: readonly string[];
};

/** Rules that allow two downloads of a title per year and two devices. */
export const stricterRules = {
  downloadsPerTitlePerYear: 2,
  titleLimits: {},
  devicesPerAccount: 2,
  studioLimits: { default: 10, perStudio: {} },
  deactivationsPerYear: 3,
  licenseDays: 30,
};

/**
 * A Downloads history through the real service, with the default rules
 * (3 downloads per title per year, 4 devices): c1 downloads t1 three times
 * (the third breaks the stricter title limit), c3 uses three devices (the
 * third breaks the stricter device limit), c2 and c4 stay within both; c2
 * deactivates its device on day 6.
 *
 * The rules stream says otherwise from day 5 on (v2: no deactivations; v3
 * from day 80: 2 downloads per title too), while the service kept deciding
 * with the defaults — as an instance that has not seen a change, or the
 * fallback, would: c2's deactivation and c1's download on day 90 went
 * against the rules in force then.
 */
export async function seedDownloads(store: EventStore, start = new Date('2026-01-01T00:00:00Z')): Promise<SeededHistory> {
  const service = new DownloadsService(store, createInMemoryProjectionHost(), memoryRules());
  const at = (day: number): { now: Date } => ({ now: new Date(start.getTime() + day * DAY) });
  const acquire = (customerId: string, deviceId: string, titleId: string, day: number) =>
    service.acquire({ customerId, deviceId, titleId, studioId: 'netflix' }, at(day));
  const rejected = new Map<string, readonly [string, string]>();
  let rulesVersion = 0;
  let previous: Rules | null = null;
  const changeRules = async (day: number, rules: Rules, changedBy: string): Promise<void> => {
    const at = new Date(start.getTime() + day * DAY);
    const source = previous === null ? 'seed-defaults' : 'api';
    await appendRulesChange(store, { rules, previous, changedBy, source }, rulesVersion++, { at, instance: 'seed' });
    previous = rules;
  };
  await changeRules(-1, defaultRules, 'seed');

  const first = await acquire('c1', 'c1-phone', 't1', 0);
  await service.renew(first.licenseId, at(20));
  await service.renew(first.licenseId, at(40));
  await service.release(first.licenseId, at(50));
  await acquire('c1', 'c1-phone', 't1', 60);
  const day90 = (await acquire('c1', 'c1-phone', 't1', 90)).licenseId;
  rejected.set(day90, ['c1', 'YEARLY_LIMIT_REACHED']);
  const c2 = await acquire('c2', 'c2-tv', 't2', 5);
  await changeRules(5.5, { ...defaultRules, deactivationsPerYear: 0 }, 'ops');
  await service.deactivateDevice('c2-tv', 'c2', at(6));
  await changeRules(80, { ...defaultRules, deactivationsPerYear: 0, downloadsPerTitlePerYear: 2 }, 'ops');
  await acquire('c3', 'c3-a', 't1', 1);
  await acquire('c3', 'c3-b', 't2', 2);
  rejected.set((await acquire('c3', 'c3-c', 't3', 3)).licenseId, ['c3', 'DEVICE_LIMIT_REACHED']);
  await acquire('c4', 'c4-phone', 't1', 10);
  await acquire('c4', 'c4-phone', 't1', 11);
  return {
    rejectedByStricter: rejected,
    renewedLicense: first.licenseId,
    deactivatedLicense: c2.licenseId,
    grantedAgainstRulesThen: day90,
    customers: ['c1', 'c2', 'c3', 'c4'],
  };
}
