import { afterAll, describe, it } from 'vitest';
import type { EventStore } from '../store/event-store.js';
import { contextFor, type ConformanceCase } from './case.js';
import { concurrencyCases } from './concurrency-cases.js';
import { expectedVersionCases } from './expected-version-cases.js';
import { multiStreamCases } from './multi-stream-cases.js';
import { payloadCases } from './payload-cases.js';
import { readCases } from './read-cases.js';
import { streamInfoCases } from './stream-info-cases.js';
import { closeCases, subscribeCases } from './subscribe-cases.js';
import { validationCases } from './validation-cases.js';
import { archiveCases, lifecycleCases } from './lifecycle-cases.js';
import { commandCases } from './command-cases.js';
import { deletionCases } from './deletion-cases.js';
import { repeatCases } from './repeat-cases.js';
import { globalReadCases } from './global-read-cases.js';
import { hasStreamLifecycle } from '../store/stream-lifecycle.js';
import { isArchivable } from '../store/archivable.js';

/** Every case of the store contract, grouped by rule. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...expectedVersionCases,
  ...concurrencyCases,
  ...multiStreamCases,
  ...readCases,
  ...globalReadCases,
  ...payloadCases,
  ...validationCases,
  ...streamInfoCases,
  ...subscribeCases,
  ...closeCases,
  ...lifecycleCases,
  ...deletionCases,
  ...archiveCases,
  ...repeatCases,
  ...commandCases,
];

/** Options of {@link describeEventStore}. */
export type DescribeEventStoreOptions = {
  /** Cases this adapter cannot pass yet, by exact case name, each with the reason (shown in the report). */
  readonly skip?: Readonly<Record<string, string>>;
  /** Runs once after all cases (e.g. drop the test database). */
  readonly afterAll?: () => Promise<void> | void;
};

/**
 * Registers the conformance suite with vitest for one adapter. `createStore`
 * is called once per case and must return a new store instance; instances may
 * share one database, since every case uses fresh stream ids. Each instance is
 * closed after its case.
 *
 * @example
 * describeEventStore('sqlite', () => createSqliteStore({ path: tempFile() }));
 */
export function describeEventStore(
  name: string,
  createStore: () => EventStore | Promise<EventStore>,
  options: DescribeEventStoreOptions = {},
): void {
  const unknownSkips = Object.keys(options.skip ?? {}).filter((skipped) => !conformanceCases.some((c) => c.name === skipped));
  if (unknownSkips.length > 0) throw new Error(`describeEventStore(${name}): unknown case names in skip: ${unknownSkips.join(', ')}`);

  describe(`event store conformance: ${name}`, () => {
    for (const testCase of conformanceCases) {
      const title = `[${testCase.rule}] ${testCase.name}`;
      const reason = options.skip?.[testCase.name];
      if (reason !== undefined) {
        it.skip(`${title} — skipped: ${reason}`, () => {});
        continue;
      }
      it(
        title,
        async (context) => {
          const store = await createStore();
          try {
            const required = testCase.requires?.multiStreamAppend;
            if (required !== undefined && store.info.multiStreamAppend !== required) {
              context.skip(`needs a store with multiStreamAppend=${String(required)}; ${store.info.name} has ${String(store.info.multiStreamAppend)}`);
              return;
            }
            if (testCase.requires?.lifecycle && !hasStreamLifecycle(store)) {
              context.skip(`${store.info.name} does not offer stream metadata and deletion (StreamLifecycle)`);
              return;
            }
            if (testCase.requires?.archive && !isArchivable(store)) {
              context.skip(`${store.info.name} cannot be an archive's hot tier (ArchivableStore)`);
              return;
            }
            await testCase.run(contextFor(store));
          } finally {
            await store.close();
          }
        },
        testCase.timeoutMs ?? 30_000,
      );
    }
    if (options.afterAll) afterAll(options.afterAll);
  });
}
