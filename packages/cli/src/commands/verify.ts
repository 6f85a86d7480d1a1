import { existsSync } from 'node:fs';
import { createFileColdStore } from '@chronicle/core';
import { checkIntegrity } from '@chronicle/sqlite';
import type { Command } from 'commander';
import { globalOptions, hasArchive, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { note, printJson, say } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import { coldDir, describeTarget, resolveTarget } from '../store/open-store.js';
import { verifyStore } from '../verify/verify-store.js';

/** `chronicle verify`: store integrity; exit code 1 when anything is wrong. */
export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check store integrity: SQLite pages (integrity_check), increasing global positions, contiguous stream positions, stream versions, cold segment checksums')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExits with 1 when a problem is found.\n\nExamples:\n  $ chronicle verify\n  $ chronicle --pg "$CHRONICLE_PG_URL" verify --cold --json\n  $ chronicle --cold /mnt/archive verify')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      // A damaged SQLite file is checked page by page first: the store refuses to open it, and the log pass could not read it.
      const target = resolveTarget(options);
      if (target.kind === 'sqlite' && existsSync(target.path)) {
        const damage = checkIntegrity(target.path, { mode: 'full', limit: 50 });
        if (damage.length > 0) {
          if (opts.json) printJson({ store: describeTarget(target), ok: false, damaged: true, problems: damage });
          else {
            say(`${describeTarget(target)}: the file is damaged (SQLite integrity_check)`);
            for (const problem of damage) say(`  ✗ ${problem}`);
            say('  Restore it from a backup (the store refuses to open a damaged file).');
          }
          throw new CliError(`verify failed: the file is damaged (${damage.length} problem(s))`, exitCodes.findings);
        }
      }
      await withStore(options, async (store, target) => {
        const dir = coldDir(target, options.cold);
        const cold = hasArchive(dir) ? createFileColdStore({ dir }) : undefined;
        const progress = createProgress('verify', await store.headPosition(), { enabled: options.progress });
        const report = await verifyStore(store, { ...(cold ? { cold } : {}), onProgress: (p) => progress.update(p) }).finally(() => progress.stop());
        if (opts.json) printJson({ store: describeTarget(target), ...report });
        else {
          say(`${describeTarget(target)}: ${report.events} events, ${report.streams} streams${report.cold ? `, ${report.cold.segments} cold segments (${report.cold.events} events)` : ''}`);
          for (const problem of report.problems) say(`  ✗ ${problem}`);
          if (report.problemCount > report.problems.length) say(`  … and ${report.problemCount - report.problems.length} more`);
        }
        if (!report.ok) throw new CliError(`verify failed: ${report.problemCount} problem(s)`, exitCodes.findings);
        if (!opts.json) note('verify: OK');
      }, { skipIntegrityCheck: true });
    });
}
