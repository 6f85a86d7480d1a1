import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { startChild } from './test-support/child.js';
import { compileForNode } from './test-support/compile-for-node.js';
import { tempDir } from './test-support/temp-dir.js';
import { allEvents, expectConsistentLog } from './test-support/verify-log.js';

type Ack = { readonly batch: string; readonly parts: readonly [streamId: string, from: number, to: number][] };
type CrashData = { batch: string; part: number; parts: number; i: number; n: number };

const KILLS = 20;
const files = tempDir('chronicle-crash');
let compiled = '';

beforeAll(() => {
  mkdirSync(join(files.dir, 'build'));
  compiled = compileForNode(join(files.dir, 'build'));
});
afterAll(files.remove);

describe('crash safety (SIGKILL)', () => {
  it(`keeps every acknowledged append and no partial one across ${KILLS} kills at random moments`, { timeout: 120_000 }, async () => {
    const path = files.file('crash.db');
    const acked: Ack[] = [];
    for (let run = 0; run < KILLS; run++) {
      const child = startChild(join(compiled, 'test-support/crash-writer.js'), [path]);
      await child.waitFor('ack ');
      // Appends are flowing: let them run a random while, then kill without warning.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 250));
      child.process.kill('SIGKILL');
      const { code, signal, stderr } = await child.exited;
      expect({ code, signal, stderr }).toMatchObject({ code: null, signal: 'SIGKILL', stderr: '' });
      expect(child.lines.find((line) => line.startsWith('error'))).toBeUndefined();
      const runAcks = child.lines.filter((line) => line.startsWith('ack ')).map((line) => JSON.parse(line.slice(4)) as Ack);
      expect(runAcks.length).toBeGreaterThan(0);
      acked.push(...runAcks);

      const store = createSqliteStore({ path });
      try {
        const events = await allEvents(store);
        const streams = await expectConsistentLog(store, events);
        // Every acknowledged append is there, at the positions its result reported.
        const missing: string[] = [];
        for (const { batch, parts } of acked) {
          for (const [part, [streamId, from, to]] of parts.entries()) {
            const stored = streams.get(streamId)?.slice(from - 1, to) ?? [];
            const ok = stored.length === to - from + 1 && stored.every((e) => (e.data as CrashData).batch === batch && (e.data as CrashData).part === part);
            if (!ok) missing.push(`${batch} part ${part}: ${streamId} ${from}..${to}`);
          }
        }
        expect(missing).toEqual([]);
        // No append is partially stored: each part has all its events, each append all its parts.
        const parts = new Map<string, Set<number>>();
        const counts = new Map<string, number>();
        for (const event of events) {
          const data = event.data as CrashData;
          counts.set(`${data.batch}/${data.part}`, (counts.get(`${data.batch}/${data.part}`) ?? 0) + 1);
          parts.set(data.batch, (parts.get(data.batch) ?? new Set()).add(data.part));
        }
        const partial = events
          .map((event) => event.data as CrashData)
          .filter((data) => counts.get(`${data.batch}/${data.part}`) !== data.n || parts.get(data.batch)?.size !== data.parts)
          .map((data) => data.batch);
        expect([...new Set(partial)]).toEqual([]);
      } finally {
        await store.close();
      }
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    }
    // The kills must have hit a store under load, not an idle one.
    expect(acked.length).toBeGreaterThan(KILLS * 5);
  });
});
