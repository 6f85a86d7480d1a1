import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedEvent } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { startChild } from './test-support/child.js';
import { compileForNode } from './test-support/compile-for-node.js';
import { tempDir } from './test-support/temp-dir.js';
import { allEvents, expectConsistentLog } from './test-support/verify-log.js';

type Tally = { appends: number; events: number; conflicts: number; perStream: Record<string, number> };
type RaceData = { pid: number; expected: number; i: number };

const PROCESSES = 4;
const STREAMS = 50;
const DURATION_MS = 3_000;
const files = tempDir('chronicle-race');
let compiled = '';

beforeAll(() => {
  mkdirSync(join(files.dir, 'build'));
  compiled = compileForNode(join(files.dir, 'build'));
});
afterAll(files.remove);

describe('several processes on one file', () => {
  it(`${PROCESSES} processes racing on ${STREAMS} shared streams: every acked event stored once, where its expected version said; no SQLITE_BUSY`, { timeout: 60_000 }, async () => {
    const path = files.file('race.db');
    // A subscriber in this process sees the other processes' commits by polling.
    const watcher = createSqliteStore({ path, pollIntervalMs: 50 });
    const delivered: RecordedEvent[] = [];
    const watching = new AbortController();
    const subscription = (async () => {
      for await (const event of watcher.subscribe({ signal: watching.signal })) delivered.push(event);
    })();

    const children = Array.from({ length: PROCESSES }, () =>
      startChild(join(compiled, 'test-support/race-writer.js'), [path, String(DURATION_MS), String(STREAMS)]),
    );
    await Promise.all(children.map((child) => child.waitFor('ready')));
    for (const child of children) child.send('go');
    const outcomes = await Promise.all(children.map((child) => child.exited));
    for (const [i, outcome] of outcomes.entries()) {
      expect({ ...outcome, error: children[i]!.lines.find((line) => line.startsWith('error')) }).toEqual({ code: 0, signal: null, stderr: '', error: undefined });
    }
    const tallies = await Promise.all(children.map(async (child) => JSON.parse((await child.waitFor('done ')).slice(5)) as Tally));

    const store = createSqliteStore({ path });
    try {
      const events = await allEvents(store);
      const streams = await expectConsistentLog(store, events);
      expect(events.length).toBe(tallies.reduce((sum, t) => sum + t.events, 0));
      for (const [streamId, list] of streams) {
        expect(list.length, streamId).toBe(tallies.reduce((sum, t) => sum + (t.perStream[streamId] ?? 0), 0));
      }
      // Each append landed right after the version its writer saw: no conflict went undetected.
      const misplaced = events.filter((e) => (e.data as RaceData).expected + (e.data as RaceData).i + 1 !== e.streamPosition);
      expect(misplaced).toEqual([]);
      // The race was real: writers collided across processes, and each process got appends through.
      expect(tallies.reduce((sum, t) => sum + t.conflicts, 0)).toBeGreaterThan(0);
      for (const tally of tallies) expect(tally.appends).toBeGreaterThan(0);

      const deadline = Date.now() + 10_000;
      while (delivered.length < events.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(delivered.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    } finally {
      watching.abort();
      await subscription;
      await watcher.close();
      await store.close();
    }
  });
});
