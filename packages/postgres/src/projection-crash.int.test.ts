import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProjectionRunner, silentLogger } from '@chronicle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from './postgres-store.js';
import { PG_URL, pgAvailable, useTestStore } from './test/pg-test-support.js';
import { collect, documentsOf, perEventCounter, replayCounts } from './test/projection-fixtures.js';

const available = await pgAvailable();
const childScript = fileURLToPath(new URL('./test/projection-child.ts', import.meta.url));

/**
 * Starts the projection child and SIGKILLs it at a random point of its work:
 * 0-20 ms after its 2nd to 12th batch (of 40 events), counted by the child's
 * progress, not by the clock, so a faster machine or store cannot let it finish
 * first. Ten runs take at most 120 of the log's 240 batches. Resolves with how
 * it ended.
 */
function runAndKill(schema: string, collection: string): Promise<'killed' | 'done'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', childScript, PG_URL, schema, collection], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const killAfter = 2 + Math.floor(Math.random() * 11);
    let batches = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const before = batches;
      batches += chunk.toString().split('batch\n').length - 1;
      if (before < killAfter && batches >= killAfter) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 20));
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('done');
      else reject(new Error(`projection child failed (${String(code)}): ${stderr}`));
    });
  });
}

describe.skipIf(!available)('async projection killed with SIGKILL mid-catch-up', () => {
  const fixture = useTestStore('projcrash');
  const { pool, schema } = fixture;
  let store: PostgresEventStore;
  beforeAll(() => {
    store = fixture.store;
  });

  it('10 kills at random points: the read model ends equal to a from-scratch replay (exactly once)', async () => {
    const streams = Array.from({ length: 30 }, (_, i) => `crash-${i}`);
    for (let round = 0; round < 160; round++) {
      await Promise.all(streams.map((stream) => store.append(stream, [{ type: 'Ticked', data: { round } }, { type: 'Ticked', data: { round, second: true } }], 'any')));
    }
    const collection = 'crash-counts';
    const positions: number[] = [];
    let killed = 0;
    for (let run = 0; run < 10; run++) {
      if ((await runAndKill(schema, collection)) === 'killed') killed++;
      positions.push((await store.projections.listCheckpoints()).find((c) => c.name === 'crash-counter')?.position ?? 0);
    }
    // Finish in-process, then compare with a replay of the whole log.
    await createProjectionRunner({ store, host: store.projections, projection: perEventCounter('crash-counter', collection), logger: silentLogger }).catchUp();
    const expected = replayCounts(await collect(store.readAll()));
    expect(await documentsOf(() => store.projections.documents.find(collection))).toEqual(expected);
    expect(killed).toBe(10);
    // The kills landed during catch-up: the checkpoint moved between them, and was not at the head each time.
    expect(new Set(positions).size).toBeGreaterThan(2);
    console.log(`projection crash test: ${killed} of 10 children killed mid-catch-up; checkpoints after each: ${positions.join(', ')} of ${await store.headPosition()}`);
  }, 180_000);
});
