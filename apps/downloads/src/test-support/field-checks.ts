import { activeCollection, type EventStore, type StoreWithProjections } from '@chronicle/core';
import { expect } from 'vitest';
import { titlePopularity } from '../app.js';
import { call, type Instance } from './instances.js';
import { raceRules } from './races.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A rules change through the first instance governs the others: each applies
 * it within 1 s (returns the slowest, in ms), and their acquisitions then
 * grant exactly the new limit. The history names who changed what.
 */
export async function expectRulesChangeEverywhere(urls: readonly string[], customerId: string): Promise<number> {
  const [first, ...others] = urls;
  const changed = await call(first!, 'PUT', '/v1/rules', { ...raceRules, downloadsPerTitlePerYear: 5 }, { 'x-chronicle-actor': 'field-test' });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  const start = Date.now();
  const applied = await Promise.all(
    others.map(async (url) => {
      while ((await call(url, 'GET', '/v1/rules')).body.downloadsPerTitlePerYear !== 5) {
        if (Date.now() - start > 5_000) throw new Error(`${url} did not apply the rules change within 5 s`);
        await sleep(10);
      }
      return Date.now() - start;
    }),
  );
  const slowest = Math.max(...applied);
  expect(slowest).toBeLessThan(1_000);
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => call(others[i % others.length]!, 'POST', '/v1/licenses', { customerId, deviceId: 'tv', titleId: 'hit', studioId: 's' })),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
  const history = (await call(others.at(-1)!, 'GET', '/v1/rules/history')).body;
  expect(history.changes.at(-1)).toMatchObject({ changedBy: 'field-test (127.0.0.1)', source: 'api' });
  expect([history.changes.at(-1).previous.downloadsPerTitlePerYear, history.changes.at(-1).rules.downloadsPerTitlePerYear]).toEqual([3, 5]);
  expect((await call(others[0]!, 'PUT', '/v1/rules', raceRules)).status).toBe(200);
  return slowest;
}

/** The instance running the title-popularity projection (the lease holder), if exactly one does. */
export async function leaseHolder(instances: readonly Instance[]): Promise<Instance | undefined> {
  const states = await Promise.all(
    instances.map(async (instance) => {
      const { body } = await call(instance.url, 'GET', '/v1/projections');
      return body.projections.find((p: { name: string }) => p.name === 'title-popularity').state as string;
    }),
  );
  const holders = instances.filter((_, i) => states[i] !== 'standby');
  return holders.length === 1 ? holders[0] : undefined;
}

/**
 * SIGKILLs the lease holder of the async read model while acquisitions keep
 * coming through the other instances; measures how long until another
 * instance runs the projection, then checks that the read model equals a full
 * replay of the log. Returns the takeover time in ms.
 */
export async function expectTakeoverAfterSigkill(
  instances: readonly Instance[],
  store: EventStore & StoreWithProjections<unknown>,
  label: string,
): Promise<number> {
  let holder: Instance | undefined;
  for (const started = Date.now(); !(holder = await leaseHolder(instances)); await sleep(50)) {
    if (Date.now() - started > 10_000) throw new Error('no single lease holder within 10 s');
  }
  const survivors = instances.filter((i) => i !== holder);
  let loading = true;
  let sent = 0;
  const load = Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      for (let n = 0; loading; n++) {
        const url = survivors[(worker + n) % survivors.length]!.url;
        const answer = await call(url, 'POST', '/v1/licenses', { customerId: `${label}-w${worker}-${n}`, deviceId: 'tv', titleId: `title-${n % 7}`, studioId: 's' });
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        sent++;
      }
    }),
  );
  await sleep(1_000);
  const killedAt = Date.now();
  holder.child.kill('SIGKILL');
  let next: Instance | undefined;
  for (; !(next = await leaseHolder(survivors)); await sleep(20)) {
    if (Date.now() - killedAt > 15_000) throw new Error('no instance took the lease over within 15 s');
  }
  const takeoverMs = Date.now() - killedAt;
  await sleep(1_000);
  loading = false;
  await load;
  expect(sent).toBeGreaterThan(0);
  await holder.kill();
  await expectReadModelEqualsReplay(next, store);
  return takeoverMs;
}

/**
 * Waits until `holder` (the lease holder) has projected the whole log, then
 * checks that the title-popularity read model equals a full replay of it.
 */
export async function expectReadModelEqualsReplay(
  holder: Instance,
  store: EventStore & StoreWithProjections<unknown>,
): Promise<void> {
  const head = await store.headPosition();
  for (const started = Date.now(); ; await sleep(50)) {
    const { body } = await call(holder.url, 'GET', '/v1/projections');
    if (body.projections.find((p: { name: string }) => p.name === 'title-popularity').position >= head) break;
    if (Date.now() - started > 20_000) throw new Error('the new holder did not catch up within 20 s');
  }
  const replayed = new Map<string, number>();
  for await (const event of store.readAll()) {
    if (event.type !== 'TitleDownloaded') continue;
    const titleId = event.streamId.slice(event.streamId.indexOf('/') + 1);
    replayed.set(titleId, (replayed.get(titleId) ?? 0) + 1);
  }
  const collection = await activeCollection(store.projections, titlePopularity.name, 'title-popularity');
  const documents = await store.projections.documents.find<{ titleId: string; downloads: number }>(collection, { limit: 100_000 });
  expect(new Map(documents.map((d) => [d.id, d.document.downloads]))).toEqual(replayed);
}
