/**
 * The projection suite's lease rule has teeth: store instances that share one
 * database must share its leases. The sound store here is two in-memory
 * stores on one projection host (as two processes share one database); the
 * mutant gives each instance leases of its own — what a lease kept in process
 * memory (or on a connection nobody else sees) would do.
 */
import { describe, expect, it } from 'vitest';
import type { Leases } from '../projections/host.js';
import { createInMemoryProjectionHost } from '../projections/in-memory-host.js';
import { createInMemoryStore } from '../store/in-memory-store.js';
import { projectionContextFor, type ProjectionStore, type ProjectionStoreFactory } from './projections/context.js';
import { projectionCases } from './projections/describe-projection-store.js';

const LEASE_CASE = 'a lease is exclusive across store instances sharing a database, and passes on once released';
const leaseCase = projectionCases.find((c) => c.name === LEASE_CASE)!;

/** Store instances over one shared host; `leases` gives each instance's lease API. */
function instancesSharingHost(leases: (shared: Leases) => Leases): ProjectionStoreFactory {
  const host = createInMemoryProjectionHost();
  return () => {
    const store = createInMemoryStore();
    return { ...store, projections: { ...host, leases: leases(host.leases) } } as unknown as ProjectionStore;
  };
}

/** Each instance's own leases, as if held in its process only. */
function privateLeases(): Leases {
  const own = createInMemoryProjectionHost().leases;
  return own;
}

async function passes(factory: ProjectionStoreFactory): Promise<boolean> {
  const { context, cleanup } = await projectionContextFor(factory);
  try {
    await leaseCase.run(context);
    return true;
  } catch {
    return false;
  } finally {
    await cleanup();
  }
}

describe('projection conformance mutants: leases', () => {
  it('the case exists', () => expect(leaseCase).toBeDefined());
  it('passes on instances that share one database', async () => expect(await passes(instancesSharingHost((shared) => shared))).toBe(true));
  it('fails on instances that each keep leases of their own', async () => expect(await passes(instancesSharingHost(() => privateLeases()))).toBe(false));
});
