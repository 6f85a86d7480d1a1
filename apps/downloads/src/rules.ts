import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const limit = z.number().int().min(0).max(1_000_000);

/** The business rules: configuration, not code. A change applies to the next request. */
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

/** Where the rules live. */
export interface RulesSource {
  current(): Rules;
  replace(rules: Rules): Rules;
}

/** Rules held in memory (tests). */
export function memoryRules(initial: Rules = defaultRules): RulesSource {
  let rules = initial;
  return {
    current: () => rules,
    replace(next) {
      rules = rulesSchema.parse(next);
      return rules;
    },
  };
}

/**
 * Rules kept in a JSON file. Every `current()` checks the file's modification
 * time, so an edit by hand applies to the next request without a restart; a
 * file that does not parse keeps the last good rules and is reported once.
 * `replace` writes atomically (temp file + rename).
 */
export function fileRules(file: string, onInvalid: (error: Error) => void = (e) => console.error(e.message)): RulesSource {
  let rules = defaultRules;
  let seen = '';
  const load = (): void => {
    let stamp: string;
    try {
      const stat = statSync(file);
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      writeFileSync(file, `${JSON.stringify(defaultRules, null, 2)}\n`);
      return load();
    }
    if (stamp === seen) return;
    seen = stamp;
    try {
      rules = rulesSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      onInvalid(new Error(`rules file ${file} is invalid, keeping the previous rules: ${(error as Error).message}`));
    }
  };
  return {
    current() {
      load();
      return rules;
    },
    replace(next) {
      const parsed = rulesSchema.parse(next);
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(parsed, null, 2)}\n`);
      renameSync(temp, file);
      rules = parsed;
      seen = '';
      load();
      return rules;
    },
  };
}
