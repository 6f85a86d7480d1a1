import { expect } from 'vitest';
import { defaultRules, type Rules } from '../rules.js';
import { call, type Answer } from './instances.js';

/** The limits the race rounds run under. */
export const raceRules: Rules = {
  ...defaultRules,
  downloadsPerTitlePerYear: 3,
  devicesPerAccount: 4,
  studioLimits: { default: 10, perStudio: { 'studio-x': 3 } },
  deactivationsPerYear: 3,
};

/** What one race scenario granted against its limit, per round. */
export type RaceTally = Record<'oneTitle' | 'devices' | 'studio' | 'deactivations' | 'idempotencyKey', { granted: number[]; limit: number }> & {
  /** Acquisitions answered by the fallback (the store counted as down): they bypass the limits by design. */
  fallbacks: string[];
};

export const emptyTally = (): RaceTally => ({
  oneTitle: { granted: [], limit: raceRules.downloadsPerTitlePerYear },
  devices: { granted: [], limit: raceRules.devicesPerAccount },
  studio: { granted: [], limit: 3 },
  deactivations: { granted: [], limit: raceRules.deactivationsPerYear },
  idempotencyKey: { granted: [], limit: 1 },
  fallbacks: [],
});

const codes = (answers: readonly Answer[]): string[] => [...new Set(answers.filter((a) => a.status !== 201 && a.status !== 200).map((a) => `${a.status} ${a.body?.code}`))];

/**
 * One round of every Downloads race, each on fresh customers, all at once,
 * the requests spread over `urls` (one instance, or several sharing a store).
 * No request pins the clock: every instance decides at its own clock's now.
 * Checks every answer and what the store recorded; adds the grants to `tally`.
 */
export async function raceRound(urls: readonly string[], label: string, tally: RaceTally): Promise<void> {
  const at = (i: number): string => urls[i % urls.length]!;
  const acquire = async (i: number, customerId: string, deviceId: string, titleId: string, studioId = 's', headers: Record<string, string> = {}) => {
    const answer = await call(at(i), 'POST', '/v1/licenses', { customerId, deviceId, titleId, studioId }, headers);
    if (answer.body?.fallback === true) tally.fallbacks.push(`${customerId}/${titleId} via ${at(i)}`);
    return answer;
  };
  const summary = (customerId: string, i: number) => call(at(i), 'GET', `/v1/customers/${customerId}/downloads`);

  const oneTitle = async (): Promise<void> => {
    const customerId = `${label}-title`;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => acquire(i, customerId, `d${i % 2}`, 'hit')));
    const granted = answers.filter((a) => a.status === 201).length;
    expect(codes(answers), customerId).toEqual(granted === 30 ? [] : ['409 YEARLY_LIMIT_REACHED']);
    const stored = (await summary(customerId, 1)).body.titles.find((t: { titleId: string }) => t.titleId === 'hit');
    expect(stored.downloadsThisYear, customerId).toBe(granted);
    tally.oneTitle.granted.push(granted);
  };
  const devices = async (): Promise<void> => {
    const customerId = `${label}-devices`;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => acquire(i, customerId, `device-${i}`, `t${i}`)));
    const granted = answers.filter((a) => a.status === 201).length;
    expect(codes(answers), customerId).toEqual(['409 DEVICE_LIMIT_REACHED']);
    expect((await summary(customerId, 2)).body.devices, customerId).toHaveLength(granted);
    tally.devices.granted.push(granted);
  };
  const studio = async (): Promise<void> => {
    const customerId = `${label}-studio`;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => acquire(i, customerId, 'tv', `s${i}`, 'studio-x')));
    const granted = answers.filter((a) => a.status === 201).length;
    expect(codes(answers), customerId).toEqual(['409 STUDIO_LIMIT_REACHED']);
    const stored = (await summary(customerId, 0)).body.studios.find((s: { studioId: string }) => s.studioId === 'studio-x');
    expect(stored.active, customerId).toBe(granted);
    tally.studio.granted.push(granted);
  };
  const deactivations = async (): Promise<void> => {
    const customerId = `${label}-deact`;
    for (let i = 0; i < 4; i++) expect((await acquire(i, customerId, `p${i}`, `x${i}`)).status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call(at(i), 'POST', `/v1/devices/p${i % 4}/deactivate`, { customerId })),
    );
    const granted = answers.filter((a) => a.status === 200 && a.body.releasedLicenses.length > 0).length;
    expect(codes(answers), customerId).toEqual(['409 DEACTIVATION_LIMIT_REACHED']);
    expect((await summary(customerId, 1)).body.deactivationsThisYear, customerId).toBe(granted);
    tally.deactivations.granted.push(granted);
  };
  const idempotencyKey = async (): Promise<void> => {
    const customerId = `${label}-key`;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => acquire(i, customerId, 'tv', 'once', 's', { 'idempotency-key': `${label}-k` })));
    expect(new Set(answers.map((a) => `${a.status} ${a.body.licenseId}`)).size, JSON.stringify(answers.map((a) => a.body))).toBe(1);
    const stored = (await summary(customerId, 2)).body;
    expect(stored.activeLicenses, customerId).toHaveLength(1);
    tally.idempotencyKey.granted.push(stored.activeLicenses.length);
  };
  await Promise.all([oneTitle(), devices(), studio(), deactivations(), idempotencyKey()]);
}

/** Every round granted exactly the limit (the closing figures: granted vs limit). */
export function expectExact(tally: RaceTally): void {
  expect(tally.fallbacks, 'acquisitions answered by the fallback').toEqual([]);
  for (const [scenario, { granted, limit }] of scenarios(tally)) expect(granted, scenario).toEqual(granted.map(() => limit));
}

const scenarios = (tally: RaceTally) => Object.entries(tally).filter((entry): entry is [string, { granted: number[]; limit: number }] => entry[0] !== 'fallbacks');

/** One line per scenario: rounds, and the grants seen against the limit. */
export function describeTally(store: string, tally: RaceTally): string {
  return scenarios(tally)
    .map(([scenario, { granted, limit }]) => `${store} ${scenario}: ${granted.length} rounds, granted ${Math.min(...granted)}-${Math.max(...granted)} (limit ${limit})`)
    .join('\n');
}
