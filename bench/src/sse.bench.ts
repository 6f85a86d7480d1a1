// The issue-21 SSE target against `npm start` in a child process (the harness the CI test uses, at full size).
import { runSseLoad } from '../../apps/downloads/src/test-support/sse-load.js';
import type { Suite } from './scenario.js';

const READERS = Number(process.env.SSE_READERS ?? 500);
const STALLED = 5;
const EVENTS = Number(process.env.SSE_EVENTS ?? 4_000);

/**
 * `npm run bench -- sse`: 500 subscribers plus 5 that never read, 4,000 events of 1 KB appended
 * while they are connected, then all disconnect. Target: RSS growth < 100 MB during, back within
 * 20 MB after, the subscriber gauge back at its baseline, `GET /v1/streams/:id` p99 < 100 ms.
 */
const sseSuite: Suite = {
  name: 'sse',
  scenarios: [
    {
      name: `${READERS} subscribers + ${STALLED} never reading, ${EVENTS.toLocaleString('en-US')} events of 1 KB: GET stream p99`,
      goal: 'p99 < 100 ms, RSS +100/+20 MB',
      chronicle: async () => {
        const r = await runSseLoad({
          readers: READERS,
          stalled: STALLED,
          events: EVENTS,
          batch: 20,
          eventBytes: 1_000,
        });
        const complete = r.eventsPerReader.every((n) => n === EVENTS);
        const mb = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
        const note =
          `RSS ${r.baselineRssMb.toFixed(0)} MB, peak ${mb(r.peakRssMb - r.baselineRssMb)}, after ${mb(r.afterRssMb - r.baselineRssMb)}; ` +
          `gauge ${r.baselineGauge}→${r.connectedGauge}→${r.afterGauge} in ${r.gaugeBackMs} ms; ` +
          `p50 ${r.readP50Ms.toFixed(0)} ms, max ${r.readMaxMs.toFixed(0)} ms over ${r.reads} reads; ` +
          `alone before: p50 ${r.controlP50Ms.toFixed(0)}, p99 ${r.controlP99Ms.toFixed(0)} ms; ` +
          `fan-out ${r.fanOutMs} ms, ${r.stalledCut}/${STALLED} non-readers cut${complete ? '' : '; READERS MISSED EVENTS'}`;
        return { value: r.readP99Ms, unit: 'ms', lowerIsBetter: true, note };
      },
    },
  ],
};

export default sseSuite;
