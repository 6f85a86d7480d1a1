import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../store/event-store.js';
import type { ProjectionHost, StoreWithProjections } from '../../projections/host.js';
import type { Projection } from '../../projections/projection.js';
import { silentLogger } from '../../projections/logger.js';

/** A store hosting projections, as the suite needs it. */
export type ProjectionStore = EventStore & StoreWithProjections<unknown>;

/** Creates a store instance, optionally with inline projections. Instances may share one database. */
export type ProjectionStoreFactory = (options: { readonly projections?: readonly Projection[] }) => ProjectionStore | Promise<ProjectionStore>;

/** What a projection case receives. */
export type ProjectionCaseContext = {
  /** A store without inline projections. */
  readonly store: ProjectionStore;
  readonly host: ProjectionHost<unknown>;
  /** Opens another instance (closed by the suite), e.g. with inline projections or as a second process would. */
  readonly open: (projections?: readonly Projection[]) => Promise<ProjectionStore>;
  /** A unique name, so that cases never collide on a shared database. */
  readonly unique: (label: string) => string;
};

/** One executable rule check. */
export type ProjectionCase = {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly run: (context: ProjectionCaseContext) => Promise<void>;
};

/** Options every runner in the suite uses: fast retries, quiet logs. */
export const quick = { logger: silentLogger, retry: { initialDelayMs: 5, maxDelayMs: 50 }, leaseTtlMs: 2_000 } as const;

/** Builds a case context over a factory; `cleanup` closes every instance opened. */
export async function projectionContextFor(factory: ProjectionStoreFactory): Promise<{ context: ProjectionCaseContext; cleanup: () => Promise<void> }> {
  const opened: ProjectionStore[] = [];
  const open = async (projections?: readonly Projection[]): Promise<ProjectionStore> => {
    const store = await factory(projections ? { projections } : {});
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    context: { store, host: store.projections, open, unique: (label) => `${label}-${randomUUID().slice(0, 8)}` },
    cleanup: async () => {
      for (const instance of opened.reverse()) await instance.close();
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
