import type { Command } from 'commander';
import { deciderExport, importModule } from '../app/load-app.js';
import { appView, globalOptions, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { note, printJson, printTable, say } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import { shadowReplay, type ShadowDecider } from '../shadow/shadow-replay.js';
import { stableJson } from '../shadow/stable-json.js';

function brief(value: unknown, width = 60): string {
  const text = stableJson(value) ?? '';
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** `chronicle shadow`: replays a category through a new decider and reports where it disagrees. */
export function shadowCommand(program: Command): void {
  program
    .command('shadow')
    .description('replay every stream of a category through a new decider; report diverging states and past commands it would reject')
    .requiredOption('--decider <module>', 'module exporting the new decider (default export or `decider`), optionally `commandOf(events)`')
    .requiredOption('--category <category>', 'stream category: streams "<category>-…"; the current decider comes from the app')
    .option('--json', 'print JSON')
    .option('--exit-code', 'exit with 1 when anything differs (for CI)')
    .addHelpText(
      'after',
      `
Nothing is written. The current decider of the category comes from the app module
(--app, chronicle.config.*, or the Downloads app). Past commands are recovered with
commandOf(events) of the new module or the app, else from metadata.command.

Examples:
  $ chronicle shadow --decider ./license-v2.ts --category license
  $ chronicle shadow --decider ./license-v2.mjs --category license --json --exit-code`,
    )
    .action(async (opts: { decider: string; category: string; json?: boolean; exitCode?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const module = await importModule(opts.decider);
      const next: ShadowDecider = { ...deciderExport(module, opts.decider), ...(typeof module.commandOf === 'function' ? { commandOf: module.commandOf as ShadowDecider['commandOf'] } : {}) };
      await withStore(options, async (raw) => {
        const { app, source, store } = await appView(options, raw);
        const current = app.deciders?.[opts.category];
        if (!current) {
          const known = Object.keys(app.deciders ?? {});
          throw new CliError(`the app (${source}) has no decider for category "${opts.category}"${known.length ? `; known: ${known.join(', ')}` : ''}`, exitCodes.usage);
        }
        const progress = createProgress('shadow', 1, { enabled: options.progress, unit: 'streams' });
        const context = app.replayContext ? await app.replayContext(store) : undefined;
        const report = await shadowReplay({
          store,
          context,
          category: opts.category,
          current: { ...current.decider, ...(current.commandOf ? { commandOf: current.commandOf } : {}) },
          next,
          onProgress: (done, total) => progress.update(done, total),
        }).finally(() => progress.stop());
        const findings = report.divergences.length + report.rejections.length + report.failures.length;
        if (opts.json) printJson(report);
        else {
          say(`shadow replay of ${report.streams} "${opts.category}" streams (${report.events} events) through ${opts.decider}`);
          say(`\nStreams whose state differs (${report.divergences.length}):`);
          printTable(['STREAM', 'VERSION', 'CURRENT', 'NEW'], report.divergences.map((d) => [d.streamId, d.version, brief(d.current), brief(d.shadow)]));
          say(`\nPast commands the new decider rejects (${report.rejections.length}):`);
          printTable(
            ['STREAM', 'POS', 'AT', 'COMMAND', 'CODE', 'ALSO TODAY'],
            report.rejections.map((r) => [r.streamId, r.streamPosition, r.at, (r.command as { type?: string }).type ?? brief(r.command, 30), r.code, r.alsoByCurrent ? 'yes' : 'no']),
          );
          if (report.failures.length > 0) {
            say(`\nStreams the new decider cannot replay (${report.failures.length}):`);
            printTable(['STREAM', 'POS', 'ERROR'], report.failures.map((f) => [f.streamId, f.streamPosition, f.message]));
          }
        }
        if (opts.exitCode && findings > 0) throw new CliError(`shadow: ${findings} difference(s)`, exitCodes.findings);
        if (!opts.json && findings === 0) note('shadow: no differences');
      }, { tiered: true });
    });
}
