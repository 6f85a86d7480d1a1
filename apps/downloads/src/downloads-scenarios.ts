import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { badInputScenarios } from './bad-input-scenarios.js';
import { defaultRules } from './rules.js';
import { T0, at, expectProblem, unique, withDownloads, type StoreFactory } from './test-support/scenario-kit.js';

/**
 * The Downloads end-to-end scenarios over a real listening server, for one
 * store. Registered with vitest by each store's test file.
 */
export function downloadsScenarios(createStore: StoreFactory): void {
  it('rules.json seeds an empty rules stream on first start', async () => {
    const seed = { ...defaultRules, downloadsPerTitlePerYear: 2, licenseDays: 7 };
    const store = await createStore();
    // First in the list: PostgreSQL's scenarios share one fresh schema per file.
    expect(await store.getStreamInfo('rules-downloads')).toBeUndefined();
    await withDownloads(async () => store, { seedFile: seed }, async (d) => {
      expect((await d.request('GET', '/v1/rules')).body).toEqual(seed);
      const history = (await d.request('GET', '/v1/rules/history')).body;
      expect(history.changes).toHaveLength(1);
      expect(history.changes[0]).toMatchObject({ version: 1, previous: null, source: 'seed-file', rules: seed });
    });
  });

  it('life cycle: acquire → renew → release; renew after release is refused; unknown ids are 404', async () => {
    await withDownloads(createStore, {}, async (d) => {
      const customerId = unique('bailey');
      const acquired = await d.request('POST', '/v1/licenses', { body: { customerId, deviceId: 'phone', titleId: 'stranger-things', studioId: 'netflix' }, now: T0 });
      expect(acquired.status, JSON.stringify(acquired.body)).toBe(201);
      expect(acquired.body.expiresAt).toBe(at(30));
      const { licenseId } = acquired.body;
      const renewed = await d.request('POST', `/v1/licenses/${licenseId}/renew`, { now: at(29) });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toEqual({ licenseId, expiresAt: at(59) });
      const released = await d.request('POST', `/v1/licenses/${licenseId}/release`, { now: at(40) });
      expect(released.status).toBe(200);
      expect(released.body).toEqual({ licenseId, released: true });
      expect((await d.request('POST', `/v1/licenses/${licenseId}/release`, { now: at(41) })).status).toBe(200);
      expectProblem(await d.request('POST', `/v1/licenses/${licenseId}/renew`, { now: at(42) }), 409, 'LICENSE_RELEASED');
      expectProblem(await d.request('POST', '/v1/licenses/no-such-license/renew', { now: at(42) }), 404, 'LICENSE_NOT_FOUND');
      expectProblem(await d.request('POST', '/v1/licenses/no-such-license/release', { now: at(42) }), 404, 'LICENSE_NOT_FOUND');
      const license = await d.request('GET', `/v1/streams/license-${licenseId}`);
      expect(license.body.events.map((e: any) => e.type)).toEqual(['LicenseAcquired', 'LicenseRenewed', 'LicenseReleased']);
      const state = await d.request('GET', `/v1/streams/license-${licenseId}/state?version=2`);
      expect(state.body.state).toMatchObject({ status: 'active', expiresAt: at(59), renewals: 1 });
    });
  });

  it('yearly limit per title over a rolling 365 days, with per-title overrides', async () => {
    await withDownloads(createStore, { rules: { downloadsPerTitlePerYear: 3, titleLimits: { 'twice-a-year': 2 } } }, async (d) => {
      const customerId = unique('c');
      const acquire = (titleId: string, now: string) => d.request('POST', '/v1/licenses', { body: { customerId, deviceId: 'tv', titleId, studioId: 's' }, now });
      for (const day of [0, 100, 200]) expect((await acquire('movie', at(day))).status).toBe(201);
      const refused = await acquire('movie', at(300));
      expectProblem(refused, 409, 'YEARLY_LIMIT_REACHED');
      expect(refused.body).toMatchObject({ titleId: 'movie', limit: 3, nextAvailableAt: at(365) });
      expectProblem(await acquire('movie', at(364)), 409, 'YEARLY_LIMIT_REACHED');
      expect((await acquire('movie', at(366))).status).toBe(201);
      for (const day of [0, 1]) expect((await acquire('twice-a-year', at(day))).status).toBe(201);
      expectProblem(await acquire('twice-a-year', at(2)), 409, 'YEARLY_LIMIT_REACHED');
      const summary = await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: at(366) });
      expect(summary.body.titles).toEqual(
        expect.arrayContaining([
          { titleId: 'movie', downloadsThisYear: 3, limit: 3, remaining: 0 },
          // Downloaded on days 0 and 1: both have left the rolling year by day 366.
          { titleId: 'twice-a-year', downloadsThisYear: 0, limit: 2, remaining: 2 },
        ]),
      );
    });
  });

  it('clock order: a request whose clock reads earlier than recorded grants counts them (downloads, deactivations)', async () => {
    await withDownloads(createStore, { rules: { downloadsPerTitlePerYear: 3, deactivationsPerYear: 2 } }, async (d) => {
      const customerId = unique('c');
      const noon = '2026-03-01T12:00:00.500Z';
      const earlier = '2026-03-01T12:00:00.400Z';
      const acquire = (deviceId: string, titleId: string, now: string) =>
        d.request('POST', '/v1/licenses', { body: { customerId, deviceId, titleId, studioId: 's' }, now });
      for (let i = 0; i < 3; i++) expect((await acquire('tv', 'movie', noon)).status).toBe(201);
      // An instance whose clock is 100 ms behind: the three later grants still count.
      const refused = await acquire('tv', 'movie', earlier);
      expectProblem(refused, 409, 'YEARLY_LIMIT_REACHED');
      expect(refused.body.nextAvailableAt).toBe('2027-03-01T12:00:00.500Z');
      const summary = (await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: earlier })).body;
      expect(summary.titles.find((t: any) => t.titleId === 'movie')).toMatchObject({ downloadsThisYear: 3, remaining: 0 });
      for (const device of ['p1', 'p2', 'p3']) expect((await acquire(device, `t-${device}`, noon)).status).toBe(201);
      for (const device of ['p1', 'p2']) {
        expect((await d.request('POST', `/v1/devices/${device}/deactivate`, { body: { customerId }, now: noon })).status).toBe(200);
      }
      const late = await d.request('POST', '/v1/devices/p3/deactivate', { body: { customerId }, now: earlier });
      expectProblem(late, 409, 'DEACTIVATION_LIMIT_REACHED');
    });
  });

  it('device limit per account; releasing frees the device; the studio limit holds', async () => {
    await withDownloads(createStore, { rules: { devicesPerAccount: 2, studioLimits: { default: 10, perStudio: { hbo: 2 } } } }, async (d) => {
      const customerId = unique('c');
      const acquire = (deviceId: string, titleId: string, studioId = 'netflix') => d.request('POST', '/v1/licenses', { body: { customerId, deviceId, titleId, studioId }, now: T0 });
      const first = await acquire('phone', 't1');
      expect((await acquire('tablet', 't2')).status).toBe(201);
      expect((await acquire('phone', 't3')).status).toBe(201);
      const refused = await acquire('laptop', 't4');
      expectProblem(refused, 409, 'DEVICE_LIMIT_REACHED');
      expect(refused.body.devices.sort()).toEqual(['phone', 'tablet']);
      await d.request('POST', `/v1/licenses/${first.body.licenseId}/release`, { now: T0 });
      await d.request('POST', `/v1/licenses/${(await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: T0 })).body.activeLicenses.find((l: any) => l.titleId === 't3').licenseId}/release`, { now: T0 });
      expect((await acquire('laptop', 't4')).status).toBe(201);
      expect((await acquire('tablet', 'h1', 'hbo')).status).toBe(201);
      expect((await acquire('tablet', 'h2', 'hbo')).status).toBe(201);
      expectProblem(await acquire('tablet', 'h3', 'hbo'), 409, 'STUDIO_LIMIT_REACHED');
    });
  });

  it('device deactivation releases every license on the device and is limited per rolling year', async () => {
    await withDownloads(createStore, { rules: { deactivationsPerYear: 2 } }, async (d) => {
      const customerId = unique('c');
      const acquire = (deviceId: string, titleId: string, now = T0) => d.request('POST', '/v1/licenses', { body: { customerId, deviceId, titleId, studioId: 's' }, now });
      const a = (await acquire('old-phone', 'a')).body.licenseId;
      const b = (await acquire('old-phone', 'b')).body.licenseId;
      await acquire('tv', 'c');
      const deactivated = await d.request('POST', '/v1/devices/old-phone/deactivate', { body: { customerId }, now: at(1) });
      expect(deactivated.status).toBe(200);
      expect(deactivated.body.releasedLicenses.sort()).toEqual([a, b].sort());
      expectProblem(await d.request('POST', `/v1/licenses/${a}/renew`, { now: at(2) }), 409, 'LICENSE_RELEASED');
      const summary = (await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: at(2) })).body;
      expect(summary.devices).toEqual(['tv']);
      expect(summary.deactivationsThisYear).toBe(1);
      // Nothing active on the device: a no-op that costs no deactivation.
      expect((await d.request('POST', '/v1/devices/old-phone/deactivate', { body: { customerId }, now: at(3) })).body.releasedLicenses).toEqual([]);
      await acquire('p2', 'd', at(4));
      await d.request('POST', '/v1/devices/p2/deactivate', { body: { customerId }, now: at(5) });
      await acquire('p3', 'e', at(6));
      expectProblem(await d.request('POST', '/v1/devices/p3/deactivate', { body: { customerId }, now: at(7) }), 409, 'DEACTIVATION_LIMIT_REACHED');
      expect((await d.request('POST', '/v1/devices/p3/deactivate', { body: { customerId }, now: at(367) })).status).toBe(200);
      expectProblem(await d.request('POST', '/v1/devices/p9/deactivate', { body: { customerId: unique('nobody') }, now: at(7) }), 404, 'DEVICE_NOT_OWNED');
      // A device this customer never used is refused too, though the customer has licenses elsewhere.
      expectProblem(await d.request('POST', '/v1/devices/never-used/deactivate', { body: { customerId }, now: at(368) }), 404, 'DEVICE_NOT_OWNED');
      // Another customer's device is not this customer's either.
      const other = unique('other');
      await d.request('POST', '/v1/licenses', { body: { customerId: other, deviceId: 'theirs', titleId: 't', studioId: 's' }, now: at(368) });
      expectProblem(await d.request('POST', '/v1/devices/theirs/deactivate', { body: { customerId }, now: at(368) }), 404, 'DEVICE_NOT_OWNED');
    });
  });

  it('the dump lists every event of the customer in order', async () => {
    await withDownloads(createStore, {}, async (d) => {
      const customerId = unique('c');
      const other = unique('other');
      const l1 = (await d.request('POST', '/v1/licenses', { body: { customerId, deviceId: 'd1', titleId: 't1', studioId: 's' }, now: T0 })).body.licenseId;
      await d.request('POST', '/v1/licenses', { body: { customerId: other, deviceId: 'd1', titleId: 't1', studioId: 's' }, now: T0 });
      await d.request('POST', `/v1/licenses/${l1}/renew`, { now: at(20) });
      await d.request('POST', '/v1/licenses', { body: { customerId, deviceId: 'd2', titleId: 't2', studioId: 's' }, now: at(21) });
      await d.request('POST', `/v1/licenses/${l1}/release`, { now: at(22) });
      const dump = await d.request('GET', `/v1/customers/${customerId}/events`);
      expect(dump.status).toBe(200);
      const types = dump.body.events.map((e: any) => e.type);
      expect(types).toEqual([
        'LicenseActivated', 'TitleDownloaded', 'LicenseAcquired',
        'LicenseRenewed',
        'LicenseActivated', 'TitleDownloaded', 'LicenseAcquired',
        'LicenseReleased', 'LicenseDeactivated',
      ]);
      const positions = dump.body.events.map((e: any) => e.globalPosition);
      expect(positions).toEqual([...positions].sort((x: number, y: number) => x - y));
      expect(dump.body.events.every((e: any) => e.metadata.customerId === customerId)).toBe(true);
    });
  });

  it('rules live in the store: a change applies to the next request, is kept with who/old/new; rules.json only seeds', async () => {
    await withDownloads(createStore, {}, async (d) => {
      const customerId = unique('c');
      const acquire = () => d.request('POST', '/v1/licenses', { body: { customerId, deviceId: 'tv', titleId: 'x', studioId: 's' }, now: T0 });
      for (let i = 0; i < 3; i++) expect((await acquire()).status).toBe(201);
      expectProblem(await acquire(), 409, 'YEARLY_LIMIT_REACHED');
      const before = await d.request('GET', '/v1/rules');
      const version = Number(JSON.parse(before.headers.get('etag')!));
      expectProblem(await d.request('PUT', '/v1/rules', { body: { ...defaultRules, downloadsPerTitlePerYear: 5 }, token: null }), 401, 'UNAUTHORIZED');
      expectProblem(await d.request('PUT', '/v1/rules', { body: { ...defaultRules, downloadsPerTitlePerYear: -1 } }), 400, 'VALIDATION_FAILED');
      expectProblem(await d.request('PUT', '/v1/rules', { body: { ...defaultRules, surprise: 1 } }), 400, 'VALIDATION_FAILED');
      // A partial document: one issue that says the whole document is needed and names what is missing.
      const partial = await d.request('PUT', '/v1/rules', { body: { devicesPerAccount: 5 } });
      expectProblem(partial, 400, 'VALIDATION_FAILED');
      expect(partial.body.issues).toHaveLength(1);
      expect(partial.body.detail).toContain('replaces the whole rules document; missing downloadsPerTitlePerYear, titleLimits, studioLimits');
      expect(Number(JSON.parse((await d.request('GET', '/v1/rules')).headers.get('etag')!))).toBe(version);
      const put = await d.request('PUT', '/v1/rules', { body: { ...defaultRules, downloadsPerTitlePerYear: 5 }, headers: { 'x-chronicle-actor': 'ops@example.com', 'if-match': `"${version}"` } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.headers.get('etag')).toBe(`"${version + 1}"`);
      expect((await d.request('GET', '/v1/rules')).body.downloadsPerTitlePerYear).toBe(5);
      expect((await acquire()).status).toBe(201);
      // A change against a version that is no longer current is refused.
      const stale = await d.request('PUT', '/v1/rules', { body: { ...defaultRules, downloadsPerTitlePerYear: 9 }, headers: { 'if-match': `"${version}"` } });
      expectProblem(stale, 409, 'WRONG_EXPECTED_VERSION');
      const history = (await d.request('GET', '/v1/rules/history')).body;
      expect(history.version).toBe(version + 1);
      const last = history.changes.at(-1);
      expect(last).toMatchObject({ version: version + 1, changedBy: 'ops@example.com (127.0.0.1)', source: 'api' });
      expect(last.previous.downloadsPerTitlePerYear).toBe(3);
      expect(last.rules.downloadsPerTitlePerYear).toBe(5);
      expect(Date.parse(last.recordedAt)).toBeGreaterThan(0);
      // The rules file is not read once the stream exists.
      writeFileSync(path.join(d.dataDir, 'rules.json'), JSON.stringify({ ...defaultRules, downloadsPerTitlePerYear: 4 }));
      expect((await acquire()).status).toBe(201);
      expect((await d.request('GET', '/v1/rules')).body.downloadsPerTitlePerYear).toBe(5);
      const stream = await d.request('GET', '/v1/streams/rules-downloads');
      expect(stream.body.events.at(-1)).toMatchObject({ type: 'RulesChanged' });
      const state = await d.request('GET', `/v1/streams/rules-downloads/state?version=${version}`);
      expect(state.body.state.downloadsPerTitlePerYear).toBe(3);
    });
  });

  it('Idempotency-Key: a retried request returns the original response and writes nothing new', async () => {
    await withDownloads(createStore, { rules: { downloadsPerTitlePerYear: 1 } }, async (d) => {
      const customerId = unique('c');
      const body = { customerId, deviceId: 'tv', titleId: 'x', studioId: 's' };
      const key = unique('key');
      const first = await d.request('POST', '/v1/licenses', { body, key, now: T0 });
      expect(first.status).toBe(201);
      const head = await d.store.headPosition();
      const retry = await d.request('POST', '/v1/licenses', { body, key, now: T0 });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(await d.store.headPosition()).toBe(head);
      expectProblem(await d.request('POST', '/v1/licenses', { body: { ...body, titleId: 'y' }, key, now: T0 }), 422, 'IDEMPOTENCY_KEY_REUSED');
      // A rejection is replayed too, even once the rule would now allow it.
      const rejectedKey = unique('key');
      expectProblem(await d.request('POST', '/v1/licenses', { body, key: rejectedKey, now: T0 }), 409, 'YEARLY_LIMIT_REACHED');
      await d.request('PUT', '/v1/rules', { body: { ...defaultRules, downloadsPerTitlePerYear: 5 } });
      expectProblem(await d.request('POST', '/v1/licenses', { body, key: rejectedKey, now: T0 }), 409, 'YEARLY_LIMIT_REACHED');
      // Identical requests racing: one license.
      const raceKey = unique('key');
      const raced = await Promise.all(Array.from({ length: 10 }, () => d.request('POST', '/v1/licenses', { body: { ...body, titleId: 'z' }, key: raceKey, now: T0 })));
      expect(new Set(raced.map((r) => `${r.status}:${r.body.licenseId}`)).size, JSON.stringify(raced.map((r) => [r.status, r.body]))).toBe(1);
      const summary = (await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: T0 })).body;
      expect(summary.titles.find((t: any) => t.titleId === 'z').downloadsThisYear).toBe(1);
      // Renew and release with keys.
      const renewKey = unique('key');
      const renewed = await d.request('POST', `/v1/licenses/${first.body.licenseId}/renew`, { key: renewKey, now: at(1) });
      const renewedAgain = await d.request('POST', `/v1/licenses/${first.body.licenseId}/renew`, { key: renewKey, now: at(2) });
      expect(renewedAgain.body).toEqual(renewed.body);
      // Identical renewals racing: one renewal event, one answer.
      const licenseEvents = async () => (await d.request('GET', `/v1/streams/license-${first.body.licenseId}`)).body.events.length as number;
      const eventsBefore = await licenseEvents();
      const racedRenewKey = unique('key');
      const renewals = await Promise.all(Array.from({ length: 10 }, () => d.request('POST', `/v1/licenses/${first.body.licenseId}/renew`, { key: racedRenewKey, now: at(3) })));
      expect(new Set(renewals.map((r) => `${r.status}:${r.body.expiresAt}`)).size, JSON.stringify(renewals.map((r) => [r.status, r.body]))).toBe(1);
      expect(renewals[0]!.status).toBe(200);
      expect(await licenseEvents()).toBe(eventsBefore + 1);
    });
  });

  it('limits hold under concurrency: 20 acquisitions of one title → 3; 10 new devices → 4', async () => {
    await withDownloads(createStore, { rules: { downloadsPerTitlePerYear: 3, devicesPerAccount: 4 } }, async (d) => {
      const customerId = unique('c');
      const sameTitle = await Promise.all(
        Array.from({ length: 20 }, (_, i) => d.request('POST', '/v1/licenses', { body: { customerId, deviceId: `d${i % 2}`, titleId: 'hit', studioId: 's' }, now: T0 })),
      );
      expect(sameTitle.filter((r) => r.status === 201)).toHaveLength(3);
      expect(sameTitle.filter((r) => r.status === 409).every((r) => r.body.code === 'YEARLY_LIMIT_REACHED')).toBe(true);
      const devicesCustomer = unique('c');
      const devices = await Promise.all(
        Array.from({ length: 10 }, (_, i) => d.request('POST', '/v1/licenses', { body: { customerId: devicesCustomer, deviceId: `device-${i}`, titleId: `t${i}`, studioId: 's' }, now: T0 })),
      );
      expect(devices.filter((r) => r.status === 201)).toHaveLength(4);
      expect(devices.filter((r) => r.status === 409).every((r) => r.body.code === 'DEVICE_LIMIT_REACHED')).toBe(true);
      const summary = (await d.request('GET', `/v1/customers/${devicesCustomer}/downloads`, { now: T0 })).body;
      expect(summary.devices).toHaveLength(4);
    });
  });
  badInputScenarios(createStore);
}
