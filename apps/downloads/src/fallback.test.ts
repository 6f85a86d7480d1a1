import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInMemoryStore, silentLogger, StoreUnavailableError } from '@chronicle/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FallbackJournal, isStoreOutage, outageAsUnavailable } from './fallback.js';
import { DownloadsRepository } from './repository.js';
import { defaultRules, memoryRules } from './rules.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const journalFile = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'downloads-journal-'));
  dirs.push(dir);
  return path.join(dir, 'fallback-journal.ndjson');
};
const request = (customerId: string) => ({ customerId, deviceId: 'd', titleId: 't', studioId: 's' });

describe('fallback journal', () => {
  it('keeps a grant journaled while a reconciliation is running, and writes it on the next one', async () => {
    const store = createInMemoryStore();
    const journal = new FallbackJournal(journalFile());
    const rules = memoryRules(defaultRules);
    const first = journal.grant(request('a'), new Date(), rules);
    const reconciling = journal.reconcile(new DownloadsRepository(store), store.projections, silentLogger);
    const second = journal.grant(request('b'), new Date(), rules); // the store calls of the run above have not finished
    expect(await reconciling).toBe(1);
    expect(journal.pending().map((e) => e.licenseId)).toEqual([second.licenseId]);
    expect(await journal.reconcile(new DownloadsRepository(store), store.projections, silentLogger)).toBe(1);
    expect(journal.pending()).toEqual([]);
    expect((await store.getStreamInfo(`license-${first.licenseId}`))?.version).toBe(1);
    expect((await store.getStreamInfo(`license-${second.licenseId}`))?.version).toBe(1);
  });

  it('a retry with the same Idempotency-Key during the outage gets the same grant', () => {
    const journal = new FallbackJournal(journalFile());
    const rules = memoryRules(defaultRules);
    const first = journal.grant({ ...request('a'), idempotencyKey: 'k1' }, new Date(), rules);
    expect(journal.grant({ ...request('a'), idempotencyKey: 'k1' }, new Date(), rules)).toEqual(first);
    expect(journal.pending()).toHaveLength(1);
  });

  it('tells outages from other errors', () => {
    expect(isStoreOutage(new StoreUnavailableError('down', false))).toBe(true);
    expect(isStoreOutage(Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000', severity: 'FATAL' }))).toBe(true);
    expect(isStoreOutage(Object.assign(new Error('syntax error'), { code: '42601', severity: 'ERROR' }))).toBe(false);
    expect(isStoreOutage(new Error('plain bug'))).toBe(false);
  });

  it('outageAsUnavailable turns an unclassified outage into STORE_UNAVAILABLE and lets other errors through', async () => {
    const refused = Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000', severity: 'FATAL' });
    await expect(outageAsUnavailable(() => Promise.reject(refused))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', cause: refused });
    const bug = new TypeError('bug');
    await expect(outageAsUnavailable(() => Promise.reject(bug))).rejects.toBe(bug);
    expect(await outageAsUnavailable(async () => 7)).toBe(7);
  });
});
