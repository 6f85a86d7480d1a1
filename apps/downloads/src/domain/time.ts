/** A rolling year, as the rules count it. */
export const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The recorded instants (ISO strings) that count against a rolling-year limit
 * decided at `now`: every one after `now` − 365 days, *including those later
 * than `now`*. A later instant is a grant this decision did not see coming
 * (recorded by an instance whose clock runs ahead, or while this request
 * waited and retried); leaving it out is what let a request with an earlier
 * clock exceed the limit. Counting it keeps the rule "never more than N
 * recorded instants within any 365-day span" whatever the deciding clocks say:
 * any span that holds `now` lies within (`now` − 365 days, `now` + 365 days).
 */
export function countedInstants(instants: readonly string[], now: Date): string[] {
  const from = now.getTime() - YEAR_MS;
  return instants.filter((at) => Date.parse(at) > from);
}

/**
 * When a rolling-year limit of `limit` frees a slot again for a decision at
 * `now`: once enough of the counted instants have left the year that fewer
 * than `limit` remain. Undefined while a slot is free (or with a limit of 0,
 * which never frees one).
 */
export function nextFreeSlot(instants: readonly string[], now: Date, limit: number): string | undefined {
  const counted = countedInstants(instants, now)
    .map((at) => Date.parse(at))
    .sort((a, b) => a - b);
  if (limit <= 0 || counted.length < limit) return undefined;
  return new Date(counted[counted.length - limit]! + YEAR_MS).toISOString();
}
