import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasStreamLifecycle, type EventStore, type RecordedEvent } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { seedDownloads, stricterRules, type SeededHistory } from './seed-downloads.js';

/** One store the suite can create, open in-process, address from the CLI, and corrupt with raw SQL. */
export type CliStore = {
  /** Global CLI arguments that select it and its own archive directory, e.g. `['--db', file, '--cold', dir]`. */
  readonly args: readonly string[];
  /** Its archive directory. */
  readonly coldDir: string;
  open(): Promise<EventStore>;
  /** Deletes one event behind the store's back (raw SQL), leaving a gap. */
  removeEvent(streamId: string, streamPosition: number): Promise<void>;
  /** Overwrites a stream's recorded version behind the store's back (raw SQL). */
  setVersion(streamId: string, version: number): Promise<void>;
};

/** Creates fresh, empty stores for one backend. */
export type CliBackend = { readonly name: string; create(label: string): Promise<CliStore>; cleanup?(): Promise<void> };

const V2 = path.join(path.dirname(fileURLToPath(import.meta.url)), 'license-v2.ts');
const ACCOUNT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'account-current.ts');

/**
 * Every event, in global order, read stream by stream: unlike `readAll`,
 * PostgreSQL's stream reads are not held back by the gap-safe horizon (other
 * test files keep transactions open on purpose).
 */
async function all(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const { streamId } of store.listStreams()) for await (const event of store.readStream(streamId)) events.push(event);
  return events.sort((a, b) => a.globalPosition - b.globalPosition);
}

async function snapshotOf(target: CliStore): Promise<RecordedEvent[]> {
  const store = await target.open();
  try {
    return await all(store);
  } finally {
    await store.close();
  }
}

const essentials = (e: RecordedEvent) => ({ eventId: e.eventId, streamId: e.streamId, streamPosition: e.streamPosition, type: e.type, data: e.data, metadata: e.metadata });

/**
 * The CLI end-to-end suite: the real binary in a child process against a real
 * store of the given backend.
 */
export function describeCliSuite(backend: CliBackend, enabled: () => boolean): void {
  describe(`chronicle CLI on ${backend.name}`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-'));
    let source: CliStore;
    let seeded: SeededHistory;
    let sourceEvents: RecordedEvent[];
    const cli = (target: CliStore, ...args: string[]) => runCli([...target.args, ...args]);

    beforeAll(async () => {
      if (!enabled()) return;
      source = await backend.create('src');
      const store = await source.open();
      try {
        seeded = await seedDownloads(store);
        // The talk's worst bug, planted: a renewal recorded after the release.
        const version = (await store.getStreamInfo(`license-${seeded.renewedLicense}`))!.version;
        await store.append(`license-${seeded.renewedLicense}`, [{ type: 'LicenseRenewed', data: { renewedAt: '2026-03-01T00:00:00.000Z', expiresAt: '2026-03-31T00:00:00.000Z' } }], version);
        sourceEvents = await all(store);
      } finally {
        await store.close();
      }
    }, 60_000);

    afterAll(async () => {
      if (enabled()) await backend.cleanup?.();
    });

    it.skipIf(!enabled())('export → import into an empty store round-trips every event, and verify passes on the copy', async () => {
      const file = path.join(dir, 'export.ndjson');
      const exported = await cli(source, 'export', file);
      expect(exported.code, exported.stderr).toBe(0);
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(sourceEvents.length);
      const target = await backend.create('copy');
      const imported = await cli(target, 'import', file, '--json');
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ imported: sourceEvents.length });
      const copy = await snapshotOf(target);
      expect(copy.map(essentials)).toEqual(sourceEvents.map(essentials));
      const verified = await cli(target, 'verify', '--json');
      expect(verified.code, verified.stderr).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, events: sourceEvents.length, problemCount: 0 });
    }, 60_000);

    it.skipIf(!enabled())('import refuses a file that conflicts with the target or itself, changing nothing', async () => {
      const file = path.join(dir, 'conflict.ndjson');
      expect((await cli(source, 'export', file)).code).toBe(0);
      const target = await backend.create('conflict');
      expect((await cli(target, 'import', file)).code).toBe(0);
      const before = await snapshotOf(target);
      const again = await cli(target, 'import', file);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^chronicle: import refused: \d+ conflict\(s\), nothing was written/m);
      expect(again.stderr).toContain('account-c1 exists at version 4');
      expect(await snapshotOf(target)).toEqual(before);

      // A file that repeats an event id, against an empty store: refused, the store stays empty.
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const first = JSON.parse(lines[0]!) as { eventId: string };
      const last = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
      lines.push(JSON.stringify({ ...last, streamId: 'other-1', streamPosition: 1, globalPosition: 10_000, eventId: first.eventId }));
      const duplicated = path.join(dir, 'duplicated.ndjson');
      writeFileSync(duplicated, `${lines.join('\n')}\n`);
      const empty = await backend.create('empty');
      const refused = await cli(empty, 'import', duplicated, '--json');
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ refused: true, conflictCount: 1, conflicts: [{ kind: 'duplicate-event-id' }] });
      expect(await snapshotOf(empty)).toEqual([]);
    }, 60_000);

    it.skipIf(!enabled())('export leaves out deleted streams and store markers, so the copy imports and verifies', async () => {
      const origin = await backend.create('deleted');
      const store = await origin.open();
      try {
        if (!hasStreamLifecycle(store)) throw new Error(`${backend.name} store has no stream lifecycle`);
        await store.append('gone-1', [{ type: 'Happened', data: { n: 1 } }], 'no_stream');
        await store.append('kept-1', [{ type: 'Happened', data: { n: 2 } }], 'no_stream');
        await store.deleteStream('gone-1');
      } finally {
        await store.close();
      }
      const file = path.join(dir, 'deleted.ndjson');
      const exported = await cli(origin, 'export', file, '--json');
      expect(JSON.parse(exported.stdout)).toMatchObject({ events: 1, skippedSystemEvents: 1 });
      expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { streamId: string }).streamId)).toEqual(['kept-1']);
      const copy = await backend.create('deletedcopy');
      expect((await cli(copy, 'import', file)).code).toBe(0);
      expect((await cli(copy, 'verify')).code).toBe(0);
    }, 60_000);

    it.skipIf(!enabled())('verify detects a gap and a wrong stream version made with raw SQL, and exits with 1', async () => {
      const file = path.join(dir, 'gap.ndjson');
      expect((await cli(source, 'export', file)).code).toBe(0);
      const target = await backend.create('gap');
      expect((await cli(target, 'import', file)).code).toBe(0);
      await target.removeEvent('account-c1', 2);
      await target.setVersion('account-c2', 7);
      const result = await cli(target, 'verify', '--json');
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as { ok: boolean; problems: string[] };
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.stringMatching(/^account-c1: position 3 at global \d+ skips 2\.\.2$/), 'account-c2: version 7 but its last event is at position 2']);
      expect(result.stderr).toMatch(/^chronicle: verify failed: \d+ problem\(s\)$/m);
    }, 60_000);

    it.skipIf(!enabled())('shadow replay finds the planted divergence and the commands the new decider rejects', async () => {
      const result = await cli(source, 'shadow', '--decider', V2, '--category', 'license', '--json');
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { streams: number; divergences: { streamId: string }[]; rejections: { streamId: string; streamPosition: number; code: string; alsoByCurrent: boolean }[]; failures: unknown[] };
      const stream = `license-${seeded.renewedLicense}`;
      expect(report.streams).toBe(9);
      expect(report.divergences.map((d) => d.streamId).sort()).toEqual([stream, `license-${seeded.deactivatedLicense}`].sort());
      expect(report.rejections.map(({ streamId, streamPosition, code, alsoByCurrent }) => ({ streamId, streamPosition, code, alsoByCurrent }))).toEqual([
        { streamId: stream, streamPosition: 3, code: 'RENEWAL_LIMIT_REACHED', alsoByCurrent: false },
        { streamId: stream, streamPosition: 5, code: 'LICENSE_RELEASED', alsoByCurrent: true },
      ]);
      expect(report.failures).toEqual([]);
      const strict = await cli(source, 'shadow', '--decider', V2, '--category', 'license', '--exit-code');
      expect(strict.code).toBe(1);
      expect(strict.stdout).toContain('RENEWAL_LIMIT_REACHED');
      // Deactivations are decided again under the rules in force at their time (v2 on day 6: none allowed).
      const account = await cli(source, 'shadow', '--decider', ACCOUNT, '--category', 'account', '--json');
      expect(account.code, account.stderr).toBe(0);
      const accountReport = JSON.parse(account.stdout) as typeof report;
      expect(accountReport.divergences).toEqual([]);
      expect(accountReport.rejections.map(({ streamId, code, alsoByCurrent }) => ({ streamId, code, alsoByCurrent }))).toEqual([
        { streamId: 'account-c2', code: 'DEACTIVATION_LIMIT_REACHED', alsoByCurrent: true },
      ]);
    }, 60_000);

    it.skipIf(!enabled())('what-if lists exactly the acquisitions stricter rules would have rejected, and their customers', async () => {
      const rules = path.join(dir, 'stricter.json');
      writeFileSync(rules, JSON.stringify(stricterRules));
      const result = await cli(source, 'what-if', '--rules', rules, '--json');
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { rejected: number; customers: { customerId: string }[]; rejections: { code: string; details: { customerId: string; licenseId: string } }[] };
      const found = new Map(report.rejections.map((r) => [r.details.licenseId, [r.details.customerId, r.code] as const]));
      expect(found).toEqual(seeded.rejectedByStricter);
      const then = new Map(report.rejections.map((r) => [r.details.licenseId, (r.details as Record<string, unknown>).alsoThen]));
      expect(then.get(seeded.grantedAgainstRulesThen)).toBe(true); // v3 (day 80 on) allowed 2 as well
      expect([...then.values()].filter((also) => also === false)).toHaveLength(1);
      // A partial file keeps the rules in force at each acquisition's time: an empty one lists what those rules refused.
      const empty = path.join(dir, 'empty.json');
      writeFileSync(empty, '{}');
      const audit = JSON.parse((await cli(source, 'what-if', '--rules', empty, '--json')).stdout) as typeof report;
      expect(audit.rejections.map((r) => [r.details.licenseId, r.code, (r.details as Record<string, unknown>).rulesVersionThen])).toEqual([
        [seeded.grantedAgainstRulesThen, 'YEARLY_LIMIT_REACHED', 3],
      ]);
      const devices = path.join(dir, 'devices.json');
      writeFileSync(devices, JSON.stringify({ devicesPerAccount: 2 }));
      const partial = JSON.parse((await cli(source, 'what-if', '--rules', devices, '--json')).stdout) as typeof report;
      expect(partial.rejections.map((r) => r.code).sort()).toEqual(['DEVICE_LIMIT_REACHED', 'YEARLY_LIMIT_REACHED']);
      expect(report.customers.map((c) => c.customerId)).toEqual(['c1', 'c3']);
      const table = await cli(source, 'what-if', '--rules', rules, '--exit-code');
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/^2 past acquisition\(s\) would have been rejected .* for 2 customer\(s\)$/m);
      const same = path.join(dir, 'same.json');
      writeFileSync(same, JSON.stringify({ ...stricterRules, downloadsPerTitlePerYear: 3, devicesPerAccount: 4 }));
      const none = await cli(source, 'what-if', '--rules', same, '--json');
      expect(JSON.parse(none.stdout)).toMatchObject({ rejected: 0, customers: [] });
    }, 60_000);

    it.skipIf(!enabled())('read, streams and dump print parseable JSON; bad input gives one line and a non-zero exit', async () => {
      const streams = await cli(source, 'streams', '--category', 'account', '--json');
      expect(JSON.parse(streams.stdout)).toEqual([
        { streamId: 'account-c1', version: 4 },
        { streamId: 'account-c2', version: 2 },
        { streamId: 'account-c3', version: 3 },
        { streamId: 'account-c4', version: 2 },
      ]);
      const read = await cli(source, 'read', 'account-c1', '--backwards', '--limit', '2', '--json');
      expect((JSON.parse(read.stdout) as { streamPosition: number }[]).map((e) => e.streamPosition)).toEqual([4, 3]);
      const dump = await cli(source, 'dump', '--customer', 'c3', '--json');
      const events = JSON.parse(dump.stdout) as { streamId: string; globalPosition: number }[];
      expect(events).toHaveLength(9);
      expect(events.map((e) => e.globalPosition)).toEqual([...events.map((e) => e.globalPosition)].sort((a, b) => a - b));
      expect(new Set(events.map((e) => e.streamId.split('-')[0]))).toEqual(new Set(['account', 'downloaded', 'license']));

      const missing = await cli(source, 'read', 'no-such-stream');
      expect([missing.code, missing.stderr.trim()]).toEqual([3, 'chronicle: STREAM_NOT_FOUND: stream "no-such-stream" not found']);
      const badOption = await cli(source, 'read', 'account-c1', '--limit', 'lots');
      expect(badOption.code).toBe(2);
      expect(badOption.stderr).toContain("option '--limit <n>' argument 'lots' is invalid");
      const unknown = await cli(source, 'frobnicate');
      expect(unknown.code).toBe(2);
      const noRules = await cli(source, 'what-if', '--rules', path.join(dir, 'missing.json'));
      expect([noRules.code, noRules.stderr.trim()]).toEqual([2, `chronicle: cannot read rules file ${path.join(dir, 'missing.json')}: ENOENT`]);
    }, 60_000);
  });
}
