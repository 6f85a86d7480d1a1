import { describe, it } from 'vitest';
import { documentCases } from './document-cases.js';
import { inlineCases } from './inline-cases.js';
import { runnerCases } from './runner-cases.js';
import { versioningCases } from './versioning-cases.js';
import { privacyCases } from './privacy-cases.js';
import { tierCases } from './tier-cases.js';
import { projectionContextFor, type ProjectionCase, type ProjectionStoreFactory } from './context.js';

/** Every case of the projection-host contract. */
export const projectionCases: readonly ProjectionCase[] = [...documentCases, ...inlineCases, ...runnerCases, ...versioningCases, ...privacyCases, ...tierCases];

/**
 * Registers the projection conformance suite for a store: documents and
 * transactions, checkpoint fencing, leases, inline projections in the append
 * transaction, async runners (exactly-once, restart, errors, two runners),
 * reactors with parking, the outbox, and blue-green rebuilds.
 */
export function describeProjectionStore(name: string, factory: ProjectionStoreFactory, options: { readonly skip?: Readonly<Record<string, string>> } = {}): void {
  const unknownSkips = Object.keys(options.skip ?? {}).filter((skipped) => !projectionCases.some((c) => c.name === skipped));
  if (unknownSkips.length > 0) throw new Error(`describeProjectionStore(${name}): unknown case names in skip: ${unknownSkips.join(', ')}`);
  describe(`projection conformance: ${name}`, () => {
    for (const testCase of projectionCases) {
      const reason = options.skip?.[testCase.name];
      if (reason !== undefined) {
        it.skip(`${testCase.name} — skipped: ${reason}`, () => {});
        continue;
      }
      it(
        testCase.name,
        async () => {
          const { context, cleanup } = await projectionContextFor(factory);
          try {
            await testCase.run(context);
          } finally {
            await cleanup();
          }
        },
        testCase.timeoutMs ?? 30_000,
      );
    }
  });
}
