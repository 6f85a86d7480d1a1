import type { ProjectionHost } from './host.js';
import { CheckpointMovedError, createConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
import { applyProjection, projectionVersion, type Projection } from './projection.js';

/** The checkpoint name of a projection version: `name`, or `name@vN` from version 2 on. */
export function checkpointName(projection: Pick<Projection, 'name' | 'version'>): string {
  const version = projectionVersion(projection);
  return version === 1 ? projection.name : `${projection.name}@v${version}`;
}

/** Options of {@link createProjectionRunner}. */
export type ProjectionRunnerOptions<Native> = Omit<ConsumerOptions, 'host'> & {
  readonly host: ProjectionHost<Native>;
  readonly projection: Projection<Native>;
};

/**
 * Runs a projection asynchronously from its durable checkpoint. Each batch is
 * applied and the checkpoint advanced in ONE transaction of the host database,
 * so a crash at any point neither loses nor repeats an event (exactly-once
 * effect), and a second runner of the same projection can never apply a batch
 * the first already applied: the conditional checkpoint update fences it out.
 *
 * Events of other types are skipped but still move the checkpoint. A failing
 * batch is rolled back, reported in `status()` and the logs, and retried with
 * backoff; it is never silently dropped.
 */
export function createProjectionRunner<Native>(options: ProjectionRunnerOptions<Native>): Consumer {
  const { projection, host } = options;
  const name = checkpointName(projection);
  const version = projectionVersion(projection);
  return createConsumer(name, options, async (page, from) => {
    const to = page[page.length - 1]!.globalPosition;
    await host.transaction(async (tx) => {
      // Advance first: on PostgreSQL this also row-locks the checkpoint, so a
      // competing runner waits here and then finds the position moved.
      if (!(await tx.checkpoints.advance(name, from, to))) throw new CheckpointMovedError(name);
      await applyProjection(projection, page, tx, version);
    });
  });
}
