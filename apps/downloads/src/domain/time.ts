/** A rolling year, as the rules count it. */
export const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Instants (ISO strings) within the rolling year that ends at `now`. */
export function withinYear(instants: readonly string[], now: Date): string[] {
  const from = now.getTime() - YEAR_MS;
  return instants.filter((at) => {
    const t = Date.parse(at);
    return t > from && t <= now.getTime();
  });
}

/** When the oldest of `instants` leaves the rolling year (the next slot frees up). */
export function nextFreeSlot(instants: readonly string[], now: Date): string | undefined {
  const inYear = withinYear(instants, now).map((at) => Date.parse(at));
  if (inYear.length === 0) return undefined;
  return new Date(Math.min(...inYear) + YEAR_MS).toISOString();
}
