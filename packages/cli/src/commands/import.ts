import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { globalOptions, withStore } from '../context.js';
import { CliError, describeError, exitCodes } from '../errors.js';
import { applyImport } from '../import/apply-import.js';
import { checkImport } from '../import/check-import.js';
import { collectGarbage } from '../io/collect-garbage.js';
import { note, printJson } from '../io/output.js';
import { createProgress } from '../io/progress.js';

/** `chronicle import <file>`: checks an NDJSON export against the target, then appends it. */
export function importCommand(program: Command): void {
  program
    .command('import')
    .description('append an NDJSON export to the store; the whole file is checked first and refused, changing nothing, if it conflicts')
    .argument('<file>', 'NDJSON file written by `chronicle export`')
    .option('--dry-run', 'only check the file against the store')
    .option('--resume', 'finish an interrupted import of this file: events the store already holds are checked and skipped')
    .option('--json', 'print a JSON summary')
    .addHelpText(
      'after',
      `
Refused (exit code 1, nothing written): unparsable lines, events the store would
reject (ids, types, sizes), global positions out of order, gaps in a stream's positions, a stream that does not continue the target's
version exactly (existing streams must continue at version + 1, new ones start at 1),
and event ids repeated in the file or already in the target.

Examples:
  $ chronicle --db ./copy.db import events.ndjson
  $ chronicle --pg "$CHRONICLE_PG_URL" import events.ndjson --dry-run
  $ chronicle --db ./copy.db import events.ndjson --resume     # after an interrupted import`,
    )
    .action(async (file: string, opts: { dryRun?: boolean; resume?: boolean; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      if (!existsSync(file)) throw new CliError(`file not found: ${file}`, exitCodes.usage);
      await withStore(
        options,
        async (store) => {
          const started = Date.now();
          const { size } = statSync(file);
          const checking = createProgress('check ', size, { enabled: options.progress, unit: 'bytes' });
          const onCheck = (bytes: number, phase: 'file' | 'target', events?: number): void => {
            if (phase === 'file') checking.update(bytes, undefined, events);
          };
          const check = await checkImport(file, store, { resume: opts.resume === true, onProgress: onCheck }).finally(() => checking.stop());
          if (check.conflictCount > 0) {
            if (opts.json) printJson({ imported: 0, refused: true, ...check });
            else for (const c of check.conflicts) note(`  ${c.message}`);
            throw new CliError(`import refused: ${check.conflictCount} conflict(s), nothing was written (first: ${check.conflicts[0]!.message})`, exitCodes.findings);
          }
          if (opts.dryRun) {
            if (opts.json) printJson({ imported: 0, dryRun: true, ...check });
            else note(`${file}: ${check.events} events in ${check.streams} streams, no conflicts (dry run, nothing written)`);
            return;
          }
          collectGarbage();
          const progress = createProgress('import', check.events, { enabled: options.progress });
          let done = 0;
          const onProgress = (n: number): void => {
            done = n;
            progress.update(n);
          };
          const imported = await applyImport(file, store, onProgress, { resume: opts.resume === true })
            .catch((error: unknown) => {
              const { message, exitCode } = describeError(error);
              throw new CliError(`import stopped after ${done} events (${message}); the store holds a prefix of the file: rerun with --resume`, exitCode);
            })
            .finally(() => progress.stop());
          const seconds = (Date.now() - started) / 1000;
          const summary = { imported, streams: check.streams, seconds, eventsPerSecond: Math.round(imported / Math.max(seconds, 0.001)), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
          if (opts.json) printJson(summary);
          else note(`imported ${imported} events into ${check.streams} streams in ${seconds.toFixed(1)} s, ${summary.eventsPerSecond} events/s`);
        },
        { bulk: true, create: true },
      );
    });
}
