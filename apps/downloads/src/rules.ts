import { z } from 'zod';
import type { RulesChange } from './rules-history.js';

const limit = z.number().int().min(0).max(1_000_000);

/** The business rules: configuration, not code, kept as events in the store (see {@link RulesSource}). */
export const rulesSchema = z
  .object({
    /** Downloads of one title per customer in a rolling 365 days. */
    downloadsPerTitlePerYear: limit,
    /** Per-title overrides ("watch only twice a year"). */
    titleLimits: z.record(z.string().min(1).max(128), limit),
    /** Devices with active licenses per account. */
    devicesPerAccount: limit,
    /** Concurrent active licenses per studio category per account. */
    studioLimits: z.object({ default: limit, perStudio: z.record(z.string().min(1).max(128), limit) }).strict(),
    /** Remote device deactivations per account in a rolling 365 days. */
    deactivationsPerYear: limit,
    /** How long a license lasts before it must be renewed. */
    licenseDays: z.number().int().min(1).max(3_650),
  })
  .strict();

export type Rules = z.infer<typeof rulesSchema>;

/** {@link rulesSchema} as JSON Schema (draft 7), for `PUT /v1/rules` validation and the OpenAPI document. */
export const rulesJsonSchema: Record<string, unknown> = (() => {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(rulesSchema, { target: 'draft-7' });
  return schema;
})();

/** The talk's defaults. */
export const defaultRules: Rules = {
  downloadsPerTitlePerYear: 3,
  titleLimits: {},
  devicesPerAccount: 4,
  studioLimits: { default: 10, perStudio: {} },
  deactivationsPerYear: 3,
  licenseDays: 30,
};

/** The yearly download limit of a title. */
export function titleLimit(rules: Rules, titleId: string): number {
  return rules.titleLimits[titleId] ?? rules.downloadsPerTitlePerYear;
}

/** The concurrency limit of a studio. */
export function studioLimit(rules: Rules, studioId: string): number {
  return rules.studioLimits.perStudio[studioId] ?? rules.studioLimits.default;
}

/** Who changes the rules, for the history. */
export type RulesChangeRequest = {
  /** Who asked (shown in the history). */
  readonly changedBy: string;
  /** Only when the rules are still at this version (optimistic concurrency); else `WRONG_EXPECTED_VERSION`. */
  readonly expectedVersion?: number;
};

/**
 * Where the rules live: the `rules-downloads` stream of the event store
 * ({@link createStoredRules}), so every instance applies the same rules.
 */
export interface RulesSource {
  /** The rules in force on this instance now. */
  current(): Rules;
  /** The rules stream's version `current()` reflects. */
  version(): number;
  /** Records a change (validated; unchanged rules record nothing) and returns the rules now in force. */
  replace(rules: unknown, request: RulesChangeRequest): Promise<Rules>;
  /** Every change, oldest first. */
  history(): Promise<RulesChange[]>;
  /** Stops following changes. */
  close(): Promise<void>;
}

/** Parses rules JSON (a seed file), naming the file in the error. */
export function parseRulesFile(file: string, text: string): Rules {
  try {
    return rulesSchema.parse(JSON.parse(text));
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    const reason = issues ? issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ') : (error as Error).message;
    throw new Error(`rules seed file ${file} is invalid: ${reason}`, { cause: error });
  }
}

/**
 * Rules held in this process's memory only: for tools and tests that run the
 * service without a store to keep rules in. Never for a service with more
 * than one instance (each would keep its own): use the stored rules.
 */
export function memoryRules(initial: Rules = defaultRules): RulesSource {
  const changes: RulesChange[] = [];
  let rules = rulesSchema.parse(initial);
  return {
    current: () => rules,
    version: () => changes.length,
    async replace(next, request) {
      const parsed = rulesSchema.parse(next);
      const now = new Date().toISOString();
      const change = { version: changes.length + 1, globalPosition: 0, recordedAt: now, at: now, changedBy: request.changedBy, source: 'api' as const };
      changes.push({ ...change, previous: rules, rules: parsed });
      rules = parsed;
      return rules;
    },
    history: async () => [...changes],
    close: async () => undefined,
  };
}
