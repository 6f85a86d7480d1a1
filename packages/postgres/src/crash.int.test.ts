import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EventStore } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import { beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable, useTestStore } from './test/pg-test-support.js';

const available = await pgAvailable();
const BATCH = 25;
const writerScript = fileURLToPath(new URL('./test/crash-writer.ts', import.meta.url));

type Run = { readonly acked: Map<string, number>; readonly killedAfterMs: number };

/** Starts a writer process, lets it append for a random while after it is ready, then SIGKILLs it. */
function runAndKill(schema: string, run: string, slow: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', writerScript, PG_URL, schema, run, slow ? '1' : '0', String(BATCH)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<string, number>();
    let buffered = '';
    let stderr = '';
    let killedAfterMs = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') {
          killedAfterMs = 150 + Math.floor(Math.random() * 350);
          setTimeout(() => child.kill('SIGKILL'), killedAfterMs);
        } else if (line.startsWith('ack ')) {
          const [, batch, position] = line.split(' ');
          acked.set(batch!, Number(position));
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      // Only lines fully written before the kill count as acknowledgements.
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (${String(signal)}): ${stderr}`));
      else resolve({ acked, killedAfterMs });
    });
  });
}

describe.skipIf(!available)('crash: writer processes killed with SIGKILL mid-batch', () => {
  const fixture = useTestStore('crash');
  const { pool, schema } = fixture;
  let store: EventStore;
  beforeAll(() => {
    store = fixture.store;
  });

  it('10 kills: every acknowledged batch is stored, no batch is stored partially, the log stays readable', async () => {
    const acked = new Map<string, number>();
    // Ten writer processes, two at a time; every other one pauses inside its transactions.
    for (let run = 0; run < 10; run += 2) {
      const results = await Promise.all([runAndKill(schema, `r${run}`, false), runAndKill(schema, `r${run + 1}`, true)]);
      for (const result of results) for (const [batch, position] of result.acked) acked.set(batch, position);
    }
    expect(acked.size).toBeGreaterThan(10);

    // A fresh append becomes readable at once: no killed transaction holds the horizon back.
    const probe = await store.append('crash-probe', [{ type: 'Probe', data: {} }], 'any');
    expect(await store.headPosition()).toBe(probe.globalPosition);

    const stored = new Map<string, { count: number; first: number }>();
    const log = await collect(store.readAll());
    for (const event of log) {
      if (event.type !== 'Crashed') continue;
      const batch = (event.data as { batch: string }).batch;
      const entry = stored.get(batch) ?? { count: 0, first: event.globalPosition };
      entry.count++;
      stored.set(batch, entry);
    }
    for (const [batch, { count }] of stored) expect(count, `batch ${batch}`).toBe(BATCH);
    for (const [batch, position] of acked) {
      expect(stored.get(batch)?.first, `acked batch ${batch}`).toBe(position);
    }
    // Streams agree with the log: contiguous positions, versions matching the rows.
    for await (const info of store.listStreams({ prefix: 'crash-r' })) {
      const events = await collect(store.readStream(info.streamId));
      expect(events.map((e) => e.streamPosition)).toEqual(events.map((_, i) => i + 1));
      expect(info.version).toBe(events.length);
    }
    // Positions reserved but never stored belong to transactions the kills cut off before COMMIT.
    const cutOff = log[log.length - 1]!.globalPosition - log.length;
    expect(cutOff).toBeGreaterThan(0);
    console.log(
      `crash test: ${acked.size} acked batches, ${stored.size} stored (${stored.size - acked.size} committed but unacknowledged), ` +
        `${cutOff} positions of transactions killed before COMMIT`,
    );
  }, 120_000);
});
