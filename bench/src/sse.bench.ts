// The issue-21 SSE target against `npm start` in a child process (the harness the CI test uses, at full size).
import { runSseLoad, type SseLoadResult } from '../../apps/downloads/src/test-support/sse-load.js';
import type { Measurement, Suite } from './scenario.js';

const READERS = Number(process.env.SSE_READERS ?? 500);
const STALLED = 5;
const EVENTS = Number(process.env.SSE_EVENTS ?? 4_000);
const ROUNDS = 3;

const mb = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

function measured(r: SseLoadResult, readers: number): Measurement {
  const complete = r.eventsPerReader.length === readers * ROUNDS && r.eventsPerReader.every((n) => n === EVENTS);
  const afterRounds = r.afterRssPerRoundMb.map((v) => mb(v - r.baselineRssMb)).join('/');
  const note =
    `RSS ${r.coldRssMb.toFixed(0)} MB, ${r.baselineRssMb.toFixed(0)} after storing the events once alone, ` +
    `peak ${mb(r.peakRssMb - r.baselineRssMb)}, after each round ${afterRounds}; ` +
    `gauge ${r.baselineGauge}→${r.connectedGauge}→${r.afterGauge}, back in ≤ ${r.gaugeBackMs} ms; ` +
    `p50 ${r.readP50Ms.toFixed(0)} ms, max ${r.readMaxMs.toFixed(0)} ms over ${r.reads} reads; ` +
    `alone before: p50 ${r.controlP50Ms.toFixed(0)}, p99 ${r.controlP99Ms.toFixed(0)} ms; ` +
    `fan-out ≤ ${r.fanOutMs} ms, ${r.stalledCut} non-readers cut${complete ? '' : '; READERS MISSED EVENTS'}`;
  return { value: r.readP99Ms, unit: 'ms p99', lowerIsBetter: true, note };
}

/**
 * `npm run bench -- sse`: 500 subscribers plus 5 that never read, 4,000 events of 1 KB appended
 * while they are connected, then all disconnect; 3 rounds on one server. Target: RSS growth
 * < 100 MB during, back within 20 MB after, the gauge back at its baseline, `GET /v1/streams/:id`
 * p99 < 100 ms. The "raw" side is the same run with no subscriber: what appending the events
 * costs in RSS and read latency by itself.
 */
const sseSuite: Suite = {
  name: 'sse',
  scenarios: [
    {
      name: `${READERS} subscribers + ${STALLED} never reading, ${EVENTS} events of 1 KB, ${ROUNDS} rounds: GET stream`,
      goal: 'p99 < 100 ms; RSS +100 MB during, +20 after',
      chronicle: async () => {
        const options = { stalled: STALLED, events: EVENTS, batch: 20, eventBytes: 1_000, rounds: ROUNDS };
        return measured(await runSseLoad({ ...options, readers: READERS }), READERS);
      },
      raw: async () => {
        const options = { stalled: 0, events: EVENTS, batch: 20, eventBytes: 1_000, rounds: ROUNDS };
        return measured(await runSseLoad({ ...options, readers: 0 }), 0);
      },
    },
  ],
};

export default sseSuite;
