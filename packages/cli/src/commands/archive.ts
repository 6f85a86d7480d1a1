import { archive, createFileColdStore, isArchivable, type ArchivePolicy, type ProjectionHost, type StoreWithProjections } from '@chronicle/core';
import { InvalidArgumentError, type Command } from 'commander';
import { globalOptions, integer, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { note, printJson } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import { coldDir, describeTarget } from '../store/open-store.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90d`, `12h`, `30m` or `45s` into milliseconds. */
export function duration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a duration like 90d, 12h, 30m or 45s, got ${JSON.stringify(value)}`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** `chronicle archive`: moves old events from the hot store to cold segment files. */
export function archiveCommand(program: Command): void {
  program
    .command('archive')
    .description('move events from the hot store to the cold archive (gzip NDJSON segments with checksums)')
    .option('--older-than <duration>', 'events recorded longer ago than this (90d, 12h, 30m, 45s)', duration)
    .option('--behind-snapshot', 'events at or behind the newest snapshot of their stream')
    .option('--batch-size <n>', 'events per segment', integer('--batch-size', 1), 10_000)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Each batch is written durably to a segment before it is purged from the hot store,
so an interrupted archive loses nothing; rerun it to finish. Reads of the hot store
no longer return archived events; \`verify\` checks both tiers.

Examples:
  $ chronicle archive --older-than 365d
  $ chronicle --pg "$CHRONICLE_PG_URL" --cold /mnt/archive archive --behind-snapshot`,
    )
    .action(async (opts: { olderThan?: number; behindSnapshot?: boolean; batchSize: number; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      if (opts.olderThan === undefined && !opts.behindSnapshot) throw new CliError('archive needs --older-than <duration> and/or --behind-snapshot', exitCodes.usage);
      const policy: ArchivePolicy = { ...(opts.olderThan !== undefined ? { olderThanMs: opts.olderThan } : {}), ...(opts.behindSnapshot ? { behindSnapshot: true } : {}) };
      await withStore(options, async (store, target) => {
        if (!isArchivable(store)) throw new CliError(`the ${store.info.name} store cannot be archived (no purge support)`, exitCodes.store);
        const dir = coldDir(target, options.cold);
        const cold = createFileColdStore({ dir });
        const progress = createProgress('archive', await store.headPosition(), { enabled: options.progress });
        const started = Date.now();
        const hot = store as typeof store & Partial<StoreWithProjections<unknown>>;
        const report = await archive({
          hot: hot as typeof store & { readonly projections?: Pick<ProjectionHost<unknown>, 'documents'> },
          cold,
          policy,
          batchSize: opts.batchSize,
          onProgress: ({ scanned }) => progress.update(scanned),
        }).finally(() => progress.stop());
        const seconds = (Date.now() - started) / 1000;
        if (opts.json) printJson({ store: describeTarget(target), cold: dir, ...report, seconds });
        else note(`archived ${report.archived} of ${report.scanned} events into ${report.segments} segment(s) in ${dir} (${seconds.toFixed(1)} s); hot store ${report.hotBytesBefore} → ${report.hotBytesAfter} bytes`);
      });
    });
}
