import type { ConsumerStatus } from './consumer-status.js';
import type { Consumer, ConsumerOptions } from './consumer.js';
import type { ProjectionHost } from './host.js';
import { projectionContext, projectionVersion, type Projection } from './projection.js';
import { checkpointName, createProjectionRunner } from './projection-runner.js';

/** Collection holding which version of each projection readers should use. */
export const PROJECTION_REGISTRY = '$projections';

type RegistryEntry = { readonly activeVersion: number; readonly activatedAt: string };

/** The version readers should use (1 until a rebuild switched it). */
export async function activeVersion(host: Pick<ProjectionHost<unknown>, 'documents'>, name: string): Promise<number> {
  return (await host.documents.get<RegistryEntry>(PROJECTION_REGISTRY, name))?.activeVersion ?? 1;
}

/** The collection readers should query for `base` of projection `name`, following rebuild switches. */
export async function activeCollection(host: Pick<ProjectionHost<unknown>, 'documents'>, name: string, base: string): Promise<string> {
  return projectionContext(name, await activeVersion(host, name)).collection(base);
}

/** Options of {@link rebuildBlueGreen}. */
export type BlueGreenOptions<Native> = Omit<ConsumerOptions, 'host'> & {
  readonly host: ProjectionHost<Native>;
  /** The new version (its `version` must differ from the active one). */
  readonly projection: Projection<Native>;
  /** Base collection names the projection writes; the old version's are dropped after the switch. */
  readonly collections: readonly string[];
  /** The runner of the old version, stopped after the switch. */
  readonly previous?: Consumer;
  /** Called with progress while the new version catches up. */
  readonly onProgress?: (status: ConsumerStatus) => void;
};

/**
 * Rebuilds a read model without downtime: version N+1 is built beside the
 * active version from position 0 (readers keep using the old one, which keeps
 * running), readers are switched atomically once the new version has caught
 * up, then the old version is stopped and its collections and checkpoint are
 * dropped. Returns the new version's runner, started and live.
 */
export async function rebuildBlueGreen<Native>(options: BlueGreenOptions<Native>): Promise<Consumer> {
  const { host, projection } = options;
  const version = projectionVersion(projection);
  const oldVersion = await activeVersion(host as ProjectionHost<unknown>, projection.name);
  if (oldVersion === version) throw new Error(`${projection.name}: version ${version} is already active; bump the version to rebuild`);
  const runner = createProjectionRunner(options);
  runner.start();
  for (;;) {
    const status = await runner.status();
    options.onProgress?.(status);
    if (status.lagEvents === 0 && status.state === 'live') break;
    // Short waits, then a fresh status: the head moves, and a runner that failed and recovered must be seen again.
    if (status.lagEvents > 0) await runner.waitFor(status.head, 1_000).catch(() => undefined);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await host.transaction(async (tx) => {
    await tx.documents.put(PROJECTION_REGISTRY, projection.name, { activeVersion: version, activatedAt: new Date().toISOString() });
  });
  await options.previous?.stop();
  const old = projectionContext(projection.name, oldVersion);
  await host.transaction(async (tx) => {
    for (const base of options.collections) await tx.documents.dropCollection(old.collection(base));
  });
  await host.deleteCheckpoint(checkpointName({ name: projection.name, version: oldVersion }));
  options.onProgress?.(await runner.status());
  return runner;
}
