import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SNAPSHOT_COLLECTION, isArchivable, type EventStore, type StoreWithProjections } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliBackend, CliStore } from './cli-suite.js';
import { runCli } from './run-cli.js';
import { seedDownloads } from './seed-downloads.js';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test-app.ts');
/** TitleDownloaded events per title in the seeded history. */
const POPULARITY = [
  { id: 't1', document: { titleId: 't1', downloads: 6 } },
  { id: 't2', document: { titleId: 't2', downloads: 2 } },
  { id: 't3', document: { titleId: 't3', downloads: 1 } },
];

type HostedStore = EventStore & StoreWithProjections<unknown>;

async function using<T>(target: CliStore, work: (store: HostedStore) => Promise<T>): Promise<T> {
  const store = (await target.open()) as HostedStore;
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * The operations suite: projections, snapshots and archive through the real
 * binary, checked against the store's own read models.
 */
export function describeOpsSuite(backend: CliBackend, enabled: () => boolean): void {
  describe(`chronicle projections, snapshots and archive on ${backend.name}`, () => {
    let target: CliStore;
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...target.args, '--app', APP, ...args], { env });

    beforeAll(async () => {
      if (!enabled()) return;
      target = await backend.create('ops');
      await using(target, (store) => seedDownloads(store));
    }, 60_000);

    afterAll(async () => {
      if (enabled()) await backend.cleanup?.();
    });

    it.skipIf(!enabled())('projections rebuild builds the read model in place, then blue-green to a new version with the same documents', async () => {
      const refused = await cli(['projections', 'rebuild', 'title-popularity']);
      expect([refused.code, refused.stderr.trim()]).toEqual([2, expect.stringContaining('version 1 is already active')]);
      const reset = await cli(['projections', 'rebuild', 'title-popularity', '--reset', '--json']);
      expect(reset.code, reset.stderr).toBe(0);
      expect(JSON.parse(reset.stdout)).toMatchObject({ mode: 'reset', version: 1 });
      expect(await using(target, (s) => s.projections.documents.find('title-popularity'))).toEqual(POPULARITY);

      const v2 = { CLI_TEST_PROJECTION_VERSION: '2' };
      const blueGreen = await cli(['projections', 'rebuild', 'title-popularity', '--json'], v2);
      expect(blueGreen.code, blueGreen.stderr).toBe(0);
      expect(JSON.parse(blueGreen.stdout)).toMatchObject({ mode: 'blue-green', version: 2, previousVersion: 1 });
      await using(target, async (s) => {
        expect(await s.projections.documents.find('title-popularity@v2')).toEqual(POPULARITY);
        expect(await s.projections.documents.find('title-popularity')).toEqual([]);
      });
      const list = await cli(['projections', 'list', '--json'], v2);
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'title-popularity', version: 2, activeVersion: 2, checkpoint: 'title-popularity@v2' })]);
      const status = await cli(['projections', 'status', '--json']);
      const rows = JSON.parse(status.stdout) as { name: string; lagEvents: number }[];
      expect(rows.filter((r) => r.name.startsWith('title-popularity'))).toEqual([expect.objectContaining({ name: 'title-popularity@v2', lagEvents: 0 })]);
    }, 90_000);

    it.skipIf(!enabled())('snapshots rebuild writes one snapshot per stream at the stream version', async () => {
      const result = await cli(['snapshots', 'rebuild', '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual([{ category: 'license', snapshot: 'license', schemaVersion: 1, streams: 9 }]);
      await using(target, async (s) => {
        const snapshots = await s.projections.documents.find<{ version: number; state: { status: string } }>(SNAPSHOT_COLLECTION);
        const licenses = snapshots.filter((e) => e.id.startsWith('license/'));
        expect(licenses).toHaveLength(9);
        for (const { id, document } of licenses) {
          expect(document.version).toBe((await s.getStreamInfo(id.slice('license/'.length)))!.version);
          expect(document.state.status).not.toBe('none');
        }
      });
    }, 60_000);

    it.skipIf(!enabled())('archive moves events to cold segments; reads and verify still see them; a damaged segment fails verify', async () => {
      const before = await cli(['read', 'account-c1', '--json']);
      const result = await cli(['archive', '--older-than', '0s', '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ scanned: 36, archived: 36, segments: 1 });
      await using(target, async (s) => {
        if (!isArchivable(s)) throw new Error('store is not archivable');
        const hot: unknown[] = [];
        for await (const event of s.readAllStored()) hot.push(event);
        expect(hot).toEqual([]);
      });
      const after = await cli(['read', 'account-c1', '--json']);
      expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
      const verified = await cli(['verify', '--json']);
      expect(verified.code, verified.stderr).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, events: 36, cold: { segments: 1, events: 36 } });

      const segments = path.join(target.coldDir, 'segments');
      appendFileSync(path.join(segments, readdirSync(segments)[0]!), 'x');
      const damaged = await cli(['verify', '--json']);
      expect(damaged.code).toBe(1);
      expect((JSON.parse(damaged.stdout) as { problems: string[] }).problems).toEqual(expect.arrayContaining([expect.stringMatching(/^cold: seg-.*: checksum /)]));
    }, 60_000);
  });
}
