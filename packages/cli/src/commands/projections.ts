import { activeVersion, checkpointName, createProjectionRunner, projectionContext, projectionVersion, rebuildBlueGreen, type ConsumerStatus } from '@chronicle/core';
import type { Command } from 'commander';
import { appProjections } from '../app/app-module.js';
import { appView, globalOptions, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { note, printJson, printTable } from '../io/output.js';
import { createProgress, type Progress } from '../io/progress.js';
import { projectionHost } from '../store/host.js';

function track(progress: Progress): (status: ConsumerStatus) => void {
  return (status) => progress.update(status.position, status.head);
}

/** `chronicle projections list|status|rebuild`. */
export function projectionsCommand(program: Command): void {
  const projections = program.command('projections').description("the application's projections: definitions, checkpoints, rebuilds");

  projections
    .command('list')
    .description("projections the app defines, with the version readers use")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (raw) => {
        const { app, store } = await appView(options, raw);
        const host = projectionHost(store);
        const rows = await Promise.all(
          (await appProjections(app)).map(async ({ projection, collections }) => ({
            name: projection.name,
            version: projectionVersion(projection),
            activeVersion: await activeVersion(host, projection.name),
            checkpoint: checkpointName(projection),
            eventTypes: projection.eventTypes ?? null,
            collections,
          })),
        );
        if (opts.json) printJson(rows);
        else printTable(['NAME', 'VERSION', 'ACTIVE', 'CHECKPOINT', 'COLLECTIONS'], rows.map((r) => [r.name, r.version, r.activeVersion, r.checkpoint, r.collections.join(', ')]), '(the app defines no projections)');
      });
    });

  projections
    .command('status')
    .description('every checkpoint in the store: position, lag behind the head, parked events')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (store) => {
        const host = projectionHost(store);
        const [head, checkpoints, parked] = await Promise.all([store.headPosition(), host.listCheckpoints(), host.parked.list()]);
        const rows = checkpoints.map((c) => ({
          name: c.name,
          position: c.position,
          head,
          lagEvents: Math.max(0, head - c.position),
          updatedAt: c.updatedAt.toISOString(),
          parked: parked.filter((p) => p.consumer === c.name).length,
        }));
        if (opts.json) printJson(rows);
        else printTable(['CHECKPOINT', 'POSITION', 'HEAD', 'LAG', 'PARKED', 'UPDATED'], rows.map((r) => [r.name, r.position, r.head, r.lagEvents, r.parked, r.updatedAt]), '(no checkpoints)');
      });
    });

  projections
    .command('rebuild')
    .description('rebuild a projection from the start of the log')
    .argument('<name>', 'projection name (see `projections list`)')
    .option('--reset', 'rebuild the active version in place: its collections are emptied and its checkpoint reset (readers see a partial model meanwhile)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
When the app's projection has a new version (bumped \`version\`), the rebuild is
blue-green: the new version is built beside the active one, readers switch
atomically once it has caught up, then the old version's collections and
checkpoint are dropped. Rebuilding the active version needs --reset.

Examples:
  $ chronicle projections rebuild title-popularity
  $ chronicle projections rebuild title-popularity --reset --json`,
    )
    .action(async (name: string, opts: { reset?: boolean; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (raw) => {
        const { app, source, store } = await appView(options, raw);
        const host = projectionHost(store);
        const known = await appProjections(app);
        const entry = known.find((p) => p.projection.name === name);
        if (!entry) throw new CliError(`the app (${source}) has no projection "${name}"${known.length ? `; known: ${known.map((p) => p.projection.name).join(', ')}` : ''}`, exitCodes.usage);
        const { projection, collections } = entry;
        const version = projectionVersion(projection);
        const active = await activeVersion(host, name);
        const started = Date.now();
        const progress = createProgress(`rebuild ${name}`, await store.headPosition(), { enabled: options.progress });
        let mode: 'blue-green' | 'reset';
        let status: ConsumerStatus;
        try {
          if (version !== active) {
            mode = 'blue-green';
            const runner = await rebuildBlueGreen({ store, host, projection, collections, onProgress: track(progress) });
            status = await runner.status();
            await runner.stop();
          } else {
            if (!opts.reset) throw new CliError(`${name}: version ${version} is already active; bump the projection's version for a blue-green rebuild, or pass --reset to rebuild it in place`, exitCodes.usage);
            mode = 'reset';
            const context = projectionContext(name, version);
            await host.transaction(async (tx) => {
              for (const base of collections) await tx.documents.dropCollection(context.collection(base));
            });
            await host.deleteCheckpoint(checkpointName(projection));
            const runner = createProjectionRunner({ store, host, projection });
            const timer = setInterval(() => void runner.status().then(track(progress), () => undefined), 200);
            try {
              status = await runner.catchUp();
            } finally {
              clearInterval(timer);
            }
            progress.update(status.position, status.head);
          }
        } finally {
          progress.stop();
        }
        const seconds = (Date.now() - started) / 1000;
        const summary = { name, mode, version, previousVersion: active, position: status.position, processed: status.processed, seconds };
        if (opts.json) printJson(summary);
        else note(`rebuilt ${name} v${version} (${mode}${mode === 'blue-green' ? `, was v${active}` : ''}) up to position ${status.position} in ${seconds.toFixed(1)} s`);
      }, { tiered: true });
    });
}
