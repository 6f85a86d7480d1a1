import { describe, expect, it } from 'vitest';
import { runSseLoad } from './test-support/sse-load.js';

/**
 * Issue 21's SSE target, lighter for CI (the full 500 + 5 is `npm run bench -- sse`, figures in
 * bench/RESULTS.md): `npm start` in a child process, 100 subscribers that read and 5 that never
 * read, 2,000 events of 1 KB appended while they are connected, then every client closes.
 */
describe('SSE under load (npm start, 100 readers + 5 that never read)', () => {
  it('keeps RSS bounded, frees every subscription, and keeps serving reads', async () => {
    const result = await runSseLoad({
      readers: 100,
      stalled: 5,
      events: 2_000,
      batch: 20,
      eventBytes: 1_000,
    });
    console.log(`[sse-load] ${JSON.stringify({ ...result, eventsPerReader: undefined })}`);
    // Every reader got every event, while the 5 never read.
    expect(result.eventsPerReader.filter((n) => n !== 2_000)).toEqual([]);
    expect(result.connectedGauge).toBe(result.baselineGauge + 105);
    // Every disconnect freed its subscription: the gauge is back at its baseline.
    expect(result.afterGauge).toBe(result.baselineGauge);
    expect(result.peakRssMb - result.baselineRssMb).toBeLessThan(100);
    expect(result.afterRssMb - result.baselineRssMb).toBeLessThan(20);
    // Reads went on during the fan-out (issue: 8.5 s). The 100 ms p99 target is measured by the bench
    // on a quiet machine; CI shares two cores with other test files, hence the generous bound here.
    expect(result.reads).toBeGreaterThan(10);
    expect(result.readP99Ms).toBeLessThan(1_000);
  }, 120_000);
});
