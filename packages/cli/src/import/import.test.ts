import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInMemoryStore, type EventStore, type RecordedEvent } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { eventLine } from '../io/ndjson.js';
import { applyImport } from './apply-import.js';
import { checkImport } from './check-import.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-import-'));
let files = 0;

function file(lines: readonly string[]): string {
  const name = path.join(dir, `f${++files}.ndjson`);
  writeFileSync(name, `${lines.join('\n')}\n`);
  return name;
}

async function exported(store: EventStore): Promise<string[]> {
  const lines: string[] = [];
  for await (const event of store.readAll()) lines.push(eventLine(event));
  return lines;
}

async function events(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of store.readAll()) all.push(event);
  return all;
}

/** A source whose streams interleave: a1 b1 a2 c1 b2 a3. */
async function interleaved(): Promise<EventStore> {
  const store = createInMemoryStore();
  const e = (n: number) => [{ type: 'Happened', data: { n }, metadata: { by: 'test' } }];
  await store.append('a-1', e(1), 'no_stream');
  await store.append('b-1', e(2), 'no_stream');
  await store.append('a-1', e(3), 1);
  await store.append('c-1', e(4), 'no_stream');
  await store.append('b-1', e(5), 1);
  await store.append('a-1', e(6), 2);
  return store;
}

describe('checkImport and applyImport', () => {
  it('import keeps ids, streams, positions, data, metadata and the global order of interleaved streams', async () => {
    const source = await interleaved();
    const lines = await exported(source);
    const target = createInMemoryStore();
    expect(await checkImport(file(lines), target)).toMatchObject({ events: 6, streams: 3, conflictCount: 0 });
    expect(await applyImport(file(lines), target)).toBe(6);
    const strip = ({ eventId, streamId, streamPosition, type, data, metadata }: RecordedEvent) => ({ eventId, streamId, streamPosition, type, data, metadata });
    expect((await events(target)).map(strip)).toEqual((await events(source)).map(strip));
  });

  it('accepts a file that continues existing streams exactly at version + 1', async () => {
    const source = await interleaved();
    const lines = await exported(source);
    const target = createInMemoryStore();
    await applyImport(file(lines.slice(0, 3)), target);
    expect(await checkImport(file(lines.slice(3)), target)).toMatchObject({ conflictCount: 0 });
    await applyImport(file(lines.slice(3)), target);
    expect(await exported(target)).toHaveLength(6);
  });

  it('resumes an interrupted import: skips what the target holds, refuses a target that diverged', async () => {
    const source = await interleaved();
    const lines = await exported(source);
    const whole = file(lines);
    const target = createInMemoryStore();
    await applyImport(file(lines.slice(0, 4)), target);
    expect((await checkImport(whole, target)).conflictCount).toBeGreaterThan(0);
    expect(await checkImport(whole, target, { resume: true })).toMatchObject({ conflictCount: 0 });
    expect(await applyImport(whole, target, undefined, { resume: true })).toBe(2);
    expect(await exported(target)).toHaveLength(6);
    const ids = async (store: EventStore) => (await events(store)).map((e) => e.eventId);
    expect(await ids(target)).toEqual(await ids(source));

    const diverged = createInMemoryStore();
    await diverged.append('a-1', [{ type: 'Happened', data: { n: 1 } }], 'no_stream');
    const refused = await checkImport(whole, diverged, { resume: true });
    expect(refused.conflicts.map((c) => c.kind)).toEqual(['stream-exists']);
    expect(refused.conflicts[0]!.message).toContain('a-1@1 holds another event in the target');
  });

  it('finds every kind of conflict without writing anything', async () => {
    const lines = await exported(await interleaved());
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const target = createInMemoryStore();
    await applyImport(file(lines.slice(0, 1)), target); // a-1 at version 1, with the first event id
    const bad = [
      ...lines.slice(0, 2), // a-1@1 exists already (stream-exists, event-id-exists)
      JSON.stringify({ ...parsed[2], globalPosition: 1 }), // goes back (global-order)
      JSON.stringify({ ...parsed[3], streamId: 'd-1', streamPosition: 2 }), // new stream not at 1 (stream-start)
      JSON.stringify({ ...parsed[4], streamPosition: 3 }), // b-1 skips 2 (position-gap)
      JSON.stringify({ ...parsed[5], eventId: parsed[1]!.eventId }), // repeats b-1@1's id (duplicate-event-id)
      JSON.stringify({ ...parsed[5], streamId: 'e-1', streamPosition: 1, globalPosition: 99, eventId: randomUUID(), type: '$Marker' }), // reserved type (invalid-event)
    ];
    const check = await checkImport(file(bad), target);
    expect(check.conflicts.map((c) => c.kind).sort()).toEqual(['duplicate-event-id', 'event-id-exists', 'global-order', 'invalid-event', 'position-gap', 'stream-exists', 'stream-start']);
    expect(check.conflicts.find((c) => c.kind === 'invalid-event')?.message).toMatch(/reserved for the store/);
    expect(await exported(target)).toHaveLength(1);
  });

  it('names the line of a malformed event', async () => {
    const lines = await exported(await interleaved());
    await expect(checkImport(file([lines[0]!, '{"eventId":"x"'  ]), createInMemoryStore())).rejects.toThrow(/^line 2: not JSON/);
    await expect(checkImport(file([lines[0]!, JSON.stringify({ ...JSON.parse(lines[1]!), streamPosition: 0 })]), createInMemoryStore())).rejects.toThrow(
      'line 2: streamPosition must be an integer >= 1',
    );
  });
});
