/**
 * Interleaved rounds: Chronicle and the raw side (or a second configuration)
 * measured in alternating rounds of one run, so that load from other
 * processes on a shared machine hits both alike.
 */
import type { Measurement, Scenario } from './scenario.js';

export type Side = 'chronicle' | 'raw';
export type Round = (side: Side, round: number) => Promise<number>;

/**
 * A scenario whose chronicle() runs every round of both sides, alternating
 * (and alternating who goes first), and whose raw() reports the raw result of
 * that same run. `round` returns the seconds (or ms) it measured.
 *
 * Each round starts with a forced GC, so that no side pays for the other's
 * garbage. A forced full GC also makes V8 deoptimize optimized code that
 * holds weak references ("weak objects": 143 deoptimizations in 6 rounds of
 * single appends, `pg`'s protocol parser among them), so `warmUp`, when
 * given, then runs a few untimed operations of the same side: the timed
 * round measures optimized code, as a long-running process runs it. In
 * paired runs of 10 × 1,000 sequential single appends on the same code
 * (2026-11-30): 73% and 79% of raw without it, 81% and 82% with it; the side
 * with more JavaScript per operation paid more for re-optimizing it.
 */
export function interleaved(
  base: Omit<Scenario, 'chronicle' | 'raw'>,
  rounds: number,
  measure: Round,
  summarize: (times: readonly number[]) => Measurement,
  warmUp?: (side: Side) => Promise<unknown>,
): Scenario {
  let raw: Measurement | undefined;
  return {
    ...base,
    chronicle: async () => {
      const times: Record<Side, number[]> = { chronicle: [], raw: [] };
      for (let round = 0; round < rounds; round++) {
        const order: Side[] = round % 2 === 0 ? ['chronicle', 'raw'] : ['raw', 'chronicle'];
        for (const side of order) {
          globalThis.gc?.();
          await warmUp?.(side);
          times[side].push(await measure(side, round));
        }
      }
      raw = summarize(times.raw);
      return summarize(times.chronicle);
    },
    raw: async () => {
      if (!raw) throw new Error('raw runs interleaved with chronicle');
      return raw;
    },
  };
}

/** Untimed operations each side runs after the forced GC of a write round (see `interleaved`). */
export const WARM_UP_OPERATIONS = 20;

export async function seconds(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export const throughput =
  (events: number) =>
  (times: readonly number[]): Measurement => ({ value: events / times.reduce((a, b) => a + b, 0), unit: 'ev/s' });

export function medianMs(times: readonly number[]): Measurement {
  const sorted = [...times].sort((a, b) => a - b);
  return { value: sorted[Math.floor(sorted.length / 2)]! * 1000, unit: 'ms', lowerIsBetter: true, note: `median of ${times.length}` };
}
