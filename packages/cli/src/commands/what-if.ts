import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { appView, globalOptions, withStore } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { note, printJson, printTable, say } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import type { Rejection } from '../app/app-module.js';

function readRules(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read rules file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, exitCodes.usage);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`rules file ${file} is not JSON: ${(error as Error).message}`, exitCodes.usage);
  }
}

/** Rejections grouped by customer, for the report. */
function byCustomer(rejections: readonly Rejection[]): { customerId: string; rejected: number; codes: string[] }[] {
  const groups = new Map<string, { rejected: number; codes: Set<string> }>();
  for (const r of rejections) {
    const customerId = String(r.details?.customerId ?? r.streamId);
    const group = groups.get(customerId) ?? { rejected: 0, codes: new Set<string>() };
    group.rejected++;
    group.codes.add(r.code);
    groups.set(customerId, group);
  }
  return [...groups].map(([customerId, g]) => ({ customerId, rejected: g.rejected, codes: [...g.codes].sort() }));
}

/** `chronicle what-if --rules <file>`: which past commands other rules would have rejected (Downloads: acquisitions). */
export function whatIfCommand(program: Command): void {
  program
    .command('what-if')
    .description('which past acquisitions would have been rejected under other rules, and for which customers (Downloads)')
    .requiredOption('--rules <file>', 'rules JSON (the Downloads rules format; fields left out keep the rules in force then)')
    .option('--json', 'print JSON')
    .option('--exit-code', 'exit with 1 when any acquisition would have been rejected')
    .addHelpText(
      'after',
      `
Each past acquisition is decided again against the customer's history exactly as it
happened up to that moment, at the acquisition's own time, under the rules in force
then (the rules stream) with the fields of the given file replaced. ALSO THEN marks
acquisitions the rules in force then rejected too (fallback grants). Nothing is written.

Examples:
  $ chronicle what-if --rules new-rules.json
  $ chronicle --pg "$CHRONICLE_PG_URL" what-if --rules stricter.json --json | jq '.customers'`,
    )
    .action(async (opts: { rules: string; json?: boolean; exitCode?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const rules = readRules(opts.rules);
      await withStore(options, async (raw) => {
        const { app, source, store } = await appView(options, raw);
        if (!app.whatIf) throw new CliError(`the app (${source}) defines no what-if report; pass --app <module> exporting whatIf(store, rules)`, exitCodes.usage);
        const progress = createProgress('what-if', 1, { enabled: options.progress, unit: 'customers' });
        let rejections: readonly Rejection[];
        try {
          rejections = await app.whatIf(store, rules, (done, total) => progress.update(done, total));
        } catch (error) {
          const issues = (error as { issues?: { path: (string | number)[]; message: string }[] }).issues;
          if ((error as Error).name === 'ZodError' && issues) {
            throw new CliError(`rules file ${opts.rules} is invalid: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, exitCodes.usage);
          }
          throw error;
        } finally {
          progress.stop();
        }
        const customers = byCustomer(rejections);
        if (opts.json) printJson({ rules: opts.rules, rejected: rejections.length, customers, rejections });
        else {
          say(`${rejections.length} past acquisition(s) would have been rejected under ${opts.rules}, for ${customers.length} customer(s)`);
          if (rejections.length > 0) {
            say('');
            printTable(['CUSTOMER', 'REJECTED', 'CODES'], customers.map((c) => [c.customerId, c.rejected, c.codes.join(', ')]));
            say('');
            printTable(
              ['AT', 'CUSTOMER', 'TITLE', 'DEVICE', 'LICENSE', 'CODE', 'RULES THEN', 'ALSO THEN'],
              rejections.map((r) => [
                r.at,
                r.details?.customerId,
                r.details?.titleId,
                r.details?.deviceId,
                r.details?.licenseId,
                r.code,
                r.details?.rulesVersionThen === undefined ? '' : `v${String(r.details.rulesVersionThen)}`,
                r.details?.alsoThen === undefined ? '' : r.details.alsoThen ? 'yes' : 'no',
              ]),
            );
          }
        }
        if (opts.exitCode && rejections.length > 0) throw new CliError(`what-if: ${rejections.length} acquisition(s) would have been rejected`, exitCodes.findings);
        if (!opts.json && rejections.length === 0) note('what-if: nothing would have been rejected');
      }, { tiered: true });
    });
}
