import type { Command } from 'commander';
import { appView, globalOptions, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { eventJson, printEvents } from '../io/events-view.js';
import { printJson } from '../io/output.js';

/** `chronicle dump --customer <id>`: every event of one customer, as the application defines it. */
export function dumpCommand(program: Command): void {
  program
    .command('dump')
    .description("every event of one customer in global order (the application's dump; Downloads by default)")
    .requiredOption('--customer <id>', 'customer id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ chronicle dump --customer c1\n  $ chronicle dump --customer c1 --json | jq \'.[] | .type\'')
    .action(async (opts: { customer: string; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (raw) => {
        const { app, source, store } = await appView(options, raw);
        if (!app.dump) throw new CliError(`the app (${source}) defines no dump; pass --app <module> exporting dump(store, customerId)`, exitCodes.usage);
        const events = await app.dump(store, opts.customer);
        if (opts.json) printJson(events.map(eventJson));
        else printEvents(events, true);
      }, { tiered: true });
    });
}
