import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WrongExpectedVersionError,
  retryDelay,
  type EventStore,
  type Logger,
  type RecordedEvent,
} from '@chronicle/core';
import { RULES_STREAM, toRulesChange, type RulesChange, type RulesChanged } from './rules-history.js';
import { defaultRules, parseRulesFile, rulesSchema, type Rules, type RulesSource } from './rules.js';

/** Options of {@link createStoredRules}. */
export type StoredRulesOptions = {
  readonly store: Pick<EventStore, 'append' | 'readStream' | 'subscribe' | 'headPosition'>;
  /**
   * What the stream starts with when it is empty (first start of the first
   * instance): a rules file (`{ file }`, refused at start when invalid; a
   * missing file means the defaults) or given rules.
   */
  readonly seed?: { readonly file: string } | { readonly rules: Rules };
  /** Names this instance in the history's metadata. */
  readonly instance: string;
  /** Clock of the `at` recorded with a change. */
  readonly clock?: () => Date;
  readonly logger: Logger;
};

/**
 * Appends one change to the rules stream at `expected` (0: the first change), without following
 * the stream: what {@link createStoredRules} writes, for tools that record history directly.
 */
export function appendRulesChange(
  store: Pick<EventStore, 'append'>,
  change: Omit<RulesChanged['data'], 'at'>,
  expected: number,
  options: { readonly at: Date; readonly instance: string },
): ReturnType<EventStore['append']> {
  const data = { ...change, at: options.at.toISOString() };
  const event = { type: 'RulesChanged', data, metadata: { instance: options.instance } };
  return store.append(RULES_STREAM, [event], expected === 0 ? 'no_stream' : expected);
}

const same = (a: Rules, b: Rules): boolean =>
  JSON.stringify(rulesSchema.parse(a)) === JSON.stringify(rulesSchema.parse(b));
const MAX_REPLACE_ATTEMPTS = 20;

type Seed = { rules: Rules; source: RulesChanged['data']['source']; from: string };

function seedOf(options: StoredRulesOptions): Seed {
  const seed = options.seed;
  if (seed && 'rules' in seed) {
    return { rules: rulesSchema.parse(seed.rules), source: 'seed-defaults', from: 'options' };
  }
  if (seed && existsSync(seed.file)) {
    return { rules: parseRulesFile(seed.file, readFileSync(seed.file, 'utf8')), source: 'seed-file', from: seed.file };
  }
  return { rules: defaultRules, source: 'seed-defaults', from: 'defaults' };
}

/**
 * Rules kept as `RulesChanged` events in the `rules-downloads` stream. Opening
 * reads the stream (seeding it on the very first start, once across racing
 * instances); then a subscription to the store applies every change made
 * through any instance as soon as the store delivers it (PostgreSQL:
 * LISTEN/NOTIFY, at most its poll interval; SQLite: its poll interval).
 * A change made here applies here at once. A rules file only seeds an empty
 * stream; later edits to it are ignored (and reported at start).
 */
export async function createStoredRules(options: StoredRulesOptions): Promise<RulesSource> {
  const { store, logger } = options;
  const clock = options.clock ?? (() => new Date());
  let rules: Rules = defaultRules;
  let version = 0;
  const stopping = new AbortController();

  const apply = (event: RecordedEvent): void => {
    if (event.streamId !== RULES_STREAM || event.streamPosition <= version) return;
    const change = toRulesChange(event);
    rules = change.rules;
    version = change.version;
    logger.info({ version, changedBy: change.changedBy }, 'rules in force changed');
  };
  const catchUp = async (): Promise<void> => {
    for await (const event of store.readStream(RULES_STREAM, { from: version + 1 })) apply(event);
  };
  const append = (change: Omit<RulesChanged['data'], 'at'>, expected: number) =>
    appendRulesChange(store, change, expected, { at: clock(), instance: options.instance });

  let head = await store.headPosition();
  await catchUp();
  const seed = seedOf(options);
  if (version === 0) {
    try {
      const first = { rules: seed.rules, previous: null, changedBy: `seed (${seed.from})`, source: seed.source };
      await append(first, 0);
      logger.info({ from: seed.from }, 'rules stream seeded');
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error; // another instance seeded it first
    }
    await catchUp();
  } else if (seed.source === 'seed-file' && !same(seed.rules, rules)) {
    const message = "the rules file is ignored: the rules in force are the store's (change them with PUT /v1/rules)";
    logger.warn({ file: seed.from, version }, message);
  }

  const follow = async (): Promise<void> => {
    for (let failures = 0; !stopping.signal.aborted; ) {
      try {
        // Filtered by the store: an instance reads the rules stream's events, not every event of the log.
        const filter = { streamIdPrefixes: [RULES_STREAM] };
        for await (const event of store.subscribe({ after: head, signal: stopping.signal, filter })) {
          head = event.globalPosition;
          apply(event);
          failures = 0;
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        failures++;
        logger.warn({ err: (error as Error).message, failures }, 'following rule changes failed; will retry');
        const delay = retryDelay({ initialDelayMs: 100, maxDelayMs: 5_000 }, failures);
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  };
  const following = follow();

  return {
    current: () => rules,
    version: () => version,
    async replace(next, request) {
      const parsed = rulesSchema.parse(next);
      for (let attempt = 1; ; attempt++) {
        if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
          await catchUp();
          if (request.expectedVersion !== version) {
            throw new WrongExpectedVersionError(RULES_STREAM, request.expectedVersion, version);
          }
        }
        if (same(parsed, rules)) return rules;
        try {
          await append({ rules: parsed, previous: rules, changedBy: request.changedBy, source: 'api' }, version);
          await catchUp();
          return rules;
        } catch (error) {
          // Changed through another instance since we last saw it: record the change against what is in force now.
          if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_REPLACE_ATTEMPTS) throw error;
          await catchUp();
        }
      }
    },
    async history() {
      const changes: RulesChange[] = [];
      for await (const event of store.readStream(RULES_STREAM)) changes.push(toRulesChange(event));
      return changes;
    },
    async close() {
      stopping.abort();
      await following;
    },
  };
}
