import { describe, expect, it } from 'vitest';
import { countedInstants, nextFreeSlot, YEAR_MS } from './time.js';

/** The largest number of instants inside any window of `YEAR_MS` (open at its start, as the rule counts). */
function densestYear(instants: readonly number[]): number {
  const sorted = [...instants].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! < YEAR_MS) j++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('rolling-year counting', () => {
  it('counts instants later than now (another clock ran ahead), not only those up to now', () => {
    const now = new Date('2026-03-01T12:00:00.400Z');
    const recorded = ['2026-03-01T12:00:00.500Z', '2025-03-01T12:00:00.401Z', '2025-03-01T12:00:00.400Z'];
    expect(countedInstants(recorded, now)).toEqual(['2026-03-01T12:00:00.500Z', '2025-03-01T12:00:00.401Z']);
  });

  it('the next free slot is when fewer than the limit remain', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const recorded = ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'];
    expect(nextFreeSlot(recorded, now, 3)).toBe(new Date(Date.parse(recorded[0]!) + YEAR_MS).toISOString());
    expect(nextFreeSlot(recorded, now, 2)).toBe(new Date(Date.parse(recorded[1]!) + YEAR_MS).toISOString());
    expect(nextFreeSlot(recorded, now, 4)).toBeUndefined();
  });

  it('decisions at arbitrary clocks never put more than N instants in any 365-day span', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const limit = 1 + Math.floor(random() * 4);
      const granted: string[] = [];
      const start = Date.parse('2026-01-01T00:00:00Z');
      for (let request = 0; request < 60; request++) {
        // Clocks all over the place: skewed by seconds, or by months, in both directions.
        const skew = random() < 0.5 ? (random() - 0.5) * 4_000 : (random() - 0.5) * 2 * YEAR_MS;
        const now = new Date(start + request * 7 * 24 * 3_600_000 * random() + skew);
        if (countedInstants(granted, now).length < limit) granted.push(now.toISOString());
      }
      expect(densestYear(granted.map((at) => Date.parse(at)))).toBeLessThanOrEqual(limit);
    }
  });
});
