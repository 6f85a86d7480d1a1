import { SNAPSHOT_COLLECTION, createAggregateLoader, type EventStore, type ProjectionHost } from '@chronicle/core';
import type { Command } from 'commander';
import type { AppDecider } from '../app/app-module.js';
import { appView, globalOptions, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { note, printJson, printTable } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import { projectionHost } from '../store/host.js';

type Loader = ReturnType<typeof createAggregateLoader<never, unknown>>;

async function rebuildCategory(store: EventStore, host: ProjectionHost<unknown>, category: string, entry: AppDecider, onStream: () => void): Promise<number> {
  const policy = entry.snapshot!;
  const reader = { readStream: store.readStream.bind(store), getStreamInfo: store.getStreamInfo.bind(store) };
  const loader: Loader = createAggregateLoader({ ...reader, projections: host }, entry.decider as never, policy);
  let streams = 0;
  for await (const { streamId } of store.listStreams({ prefix: `${category}-` })) {
    // From scratch: a snapshot of the same schema version would otherwise be extended, not replaced.
    await host.transaction((tx) => tx.documents.delete(SNAPSHOT_COLLECTION, `${policy.name}/${streamId}`));
    await loader.snapshot(streamId);
    streams++;
    onStream();
  }
  return streams;
}

/** `chronicle snapshots rebuild`: rewrites the snapshots of the app's deciders from their events. */
export function snapshotsCommand(program: Command): void {
  const snapshots = program.command('snapshots').description("snapshots of the application's aggregates");
  snapshots
    .command('rebuild')
    .description('rebuild the snapshot of every stream of the categories whose decider has a snapshot policy')
    .option('--category <category>', 'only this category')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ chronicle --app ./chronicle.config.mjs snapshots rebuild\n  $ chronicle snapshots rebuild --category cart --json')
    .action(async (opts: { category?: string; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (raw) => {
        const { app, source, store } = await appView(options, raw);
        const host = projectionHost(store);
        const categories = Object.entries(app.deciders ?? {}).filter(([category, entry]) => entry.snapshot && (opts.category === undefined || category === opts.category));
        if (categories.length === 0) throw new CliError(`the app (${source}) has no decider with a snapshot policy${opts.category ? ` for category "${opts.category}"` : ''}`, exitCodes.usage);
        let total = 0;
        for (const [category] of categories) for await (const _ of store.listStreams({ prefix: `${category}-` })) total++;
        const progress = createProgress('snapshots', total, { enabled: options.progress, unit: 'streams' });
        const rows: { category: string; snapshot: string; schemaVersion: number; streams: number }[] = [];
        let done = 0;
        try {
          for (const [category, entry] of categories) {
            const streams = await rebuildCategory(store, host, category, entry, () => progress.update(++done));
            rows.push({ category, snapshot: entry.snapshot!.name, schemaVersion: entry.snapshot!.schemaVersion, streams });
          }
        } finally {
          progress.stop();
        }
        if (opts.json) printJson(rows);
        else {
          printTable(['CATEGORY', 'SNAPSHOT', 'SCHEMA', 'STREAMS'], rows.map((r) => [r.category, r.snapshot, r.schemaVersion, r.streams]));
          note(`rebuilt ${done} snapshot(s)`);
        }
      }, { tiered: true });
    });
}
