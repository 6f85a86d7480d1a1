/**
 * Proves the conformance suite has teeth: each mutant is the in-memory store
 * broken in one way that real stores have shipped, and for each the cases of
 * the rule it breaks must fail. A rule whose cases pass against its mutant
 * would be a rule that tests nothing.
 */
import { describe, expect, it } from 'vitest';
import { contextFor } from './case.js';
import { conformanceCases } from './describe-event-store.js';
import { contractMutants } from './mutants/contract-mutants.js';
import { semanticsMutants } from './mutants/semantics-mutants.js';

const mutants = [...contractMutants, ...semanticsMutants];

describe('the conformance suite catches broken stores', () => {
  it('has a mutant for every rule', () => {
    const covered = new Set(mutants.map((m) => m.breaks));
    const rules = new Set(conformanceCases.map((c) => c.rule));
    expect([...rules].filter((rule) => !covered.has(rule))).toEqual([]);
  });

  for (const mutant of mutants) {
    it(`[${mutant.breaks}] fails against a store that ${mutant.name}`, { timeout: 120_000 }, async () => {
      const cases = conformanceCases.filter((c) => c.rule === mutant.breaks);
      const failures: string[] = [];
      for (const testCase of cases) {
        const store = mutant.create();
        if (testCase.requires?.multiStreamAppend === false) continue;
        try {
          await testCase.run(contextFor(store, mutant.core));
        } catch (error) {
          if (process.env.CHRONICLE_DEBUG_MUTANTS)
            console.log(mutant.name, '→', testCase.name, ':', (error as Error).message.slice(0, 160));
          failures.push(testCase.name);
        } finally {
          await store.close();
        }
      }
      expect(failures.length, `no ${mutant.breaks} case failed against a store that ${mutant.name}`).toBeGreaterThan(0);
      if (mutant.catches)
        expect(failures, `the case written for it passed against a store that ${mutant.name}`).toContain(
          mutant.catches,
        );
    });
  }

  it('every mutant written for one case names a case that exists', () => {
    const names = new Set(conformanceCases.map((c) => c.name));
    expect(mutants.filter((m) => m.catches !== undefined && !names.has(m.catches)).map((m) => m.name)).toEqual([]);
  });
});
