import type { Decider, Event, RecordedEvent } from '@chronicle/core';
import type { Rules } from './rules.js';

/** The one stream every instance reads its rules from. */
export const RULES_STREAM = 'rules-downloads';

/**
 * A change of the business rules: who made it, the rules before (null for
 * the seed that started the stream) and after. When: the event's
 * `recordedAt`, and `at` by the clock of the instance that made it.
 */
export type RulesChanged = Event<
  'RulesChanged',
  { rules: Rules; previous: Rules | null; changedBy: string; source: 'seed-file' | 'seed-defaults' | 'api'; at: string }
>;

/** One entry of the rules history, as the API and the explorer show it. */
export type RulesChange = {
  readonly version: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
  readonly at: string;
  readonly changedBy: string;
  readonly source: RulesChanged['data']['source'];
  readonly previous: Rules | null;
  readonly rules: Rules;
};

/** The rules stream's fold: the rules in force after each change (`null` before the seed). */
export const rulesDecider: Pick<Decider<never, RulesChanged, Rules | null>, 'initialState' | 'evolve'> = {
  initialState: () => null,
  evolve: (_rules, event) => event.data.rules,
};

/** A stored `RulesChanged` as a history entry. */
export function toRulesChange(event: RecordedEvent): RulesChange {
  const data = (event as unknown as RecordedEvent<'RulesChanged', RulesChanged['data']>).data;
  return {
    version: event.streamPosition,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt.toISOString(),
    at: data.at,
    changedBy: data.changedBy,
    source: data.source,
    previous: data.previous,
    rules: data.rules,
  };
}

/**
 * The rules in force at `at`: those of the last change made at or before it,
 * by the `at` of the change (the clock of the instance that made it, as the
 * decisions' own instants are). Undefined before the first change (history
 * older than the rules stream: the caller decides what applied then). A
 * change reaches every instance within a second, so a decision made in that
 * second may still have used the rules before it.
 */
export function rulesInForceAt(history: readonly RulesChange[], at: Date | string): RulesChange | undefined {
  const time = typeof at === 'string' ? Date.parse(at) : at.getTime();
  let found: RulesChange | undefined;
  for (const change of history) {
    // Not sorted by time: instances record with their own clocks.
    if (Date.parse(change.at) <= time && (!found || change.version > found.version)) found = change;
  }
  return found;
}
