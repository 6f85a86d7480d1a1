import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventStore, NewEvent, RecordedEvent, StreamAppend } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './test-support/run-cli.js';

const TOTAL = 60_000;

async function all(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

const essentials = (e: RecordedEvent) => ({ eventId: e.eventId, streamId: e.streamId, streamPosition: e.streamPosition, type: e.type, data: e.data });

describe('import killed with SIGKILL', () => {
  it('leaves a consistent prefix that verify accepts, is refused without --resume, and completes with --resume', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-crash-'));
    const sourceFile = path.join(dir, 'source.db');
    const targetFile = path.join(dir, 'target.db');
    const exportFile = path.join(dir, 'events.ndjson');
    const source = createSqliteStore({ path: sourceFile, synchronous: 'NORMAL' });
    for (let batch = 0; batch * 1000 < TOTAL; batch++) {
      const appends: StreamAppend[] = Array.from({ length: 100 }, (_, s) => ({
        streamId: `item-${batch}-${s}`,
        events: Array.from({ length: 10 }, (_, e): NewEvent => ({ type: 'Counted', data: { batch, s, e } })),
        expectedVersion: 'no_stream' as const,
      }));
      await source.appendMulti(appends);
    }
    const sourceEvents = await all(source);
    await source.close();
    expect((await runCli(['--db', sourceFile, 'export', exportFile])).code).toBe(0);

    const target = createSqliteStore({ path: targetFile });
    const child = startCli(['--db', targetFile, 'import', exportFile]);
    const exited = once(child, 'exit');
    let head = 0;
    while (head === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      head = await target.headPosition();
    }
    child.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    const partial = await all(target);
    await target.close();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(TOTAL);
    expect(partial.map(essentials)).toEqual(sourceEvents.slice(0, partial.length).map(essentials));

    expect((await runCli(['--db', targetFile, 'verify'])).code).toBe(0);
    const refused = await runCli(['--db', targetFile, 'import', exportFile]);
    expect(refused.code).toBe(1);
    const resumed = await runCli(['--db', targetFile, 'import', exportFile, '--resume', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ imported: TOTAL - partial.length });
    const reopened = createSqliteStore({ path: targetFile });
    expect((await all(reopened)).map(essentials)).toEqual(sourceEvents.map(essentials));
    await reopened.close();
  }, 120_000);
});
