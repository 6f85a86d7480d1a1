import type { Command } from 'commander';
import { globalOptions, integer, withStore } from '../context.js';
import { printJson, printTable } from '../io/output.js';

/** `chronicle streams`: lists streams by id, filtered by prefix or category. */
export function streamsCommand(program: Command): void {
  program
    .command('streams')
    .description('list streams (id and version), ordered by id')
    .option('--prefix <prefix>', 'only streams whose id starts with this')
    .option('--category <category>', 'only streams of a category: ids starting with "<category>-"')
    .option('--after <streamId>', 'start after this stream id (paging)')
    .option('--limit <n>', 'at most n streams', integer('--limit', 1), 1000)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ chronicle streams --category license --limit 20\n  $ chronicle streams --prefix account-c1 --json')
    .action(async (opts: { prefix?: string; category?: string; after?: string; limit: number; json?: boolean }, command: Command) => {
      const prefix = opts.category !== undefined ? `${opts.category}-` : opts.prefix;
      await withStore(globalOptions(command), async (store) => {
        const streams: { streamId: string; version: number }[] = [];
        for await (const info of store.listStreams({ limit: opts.limit, ...(prefix ? { prefix } : {}), ...(opts.after ? { after: opts.after } : {}) })) {
          streams.push({ streamId: info.streamId, version: info.version });
        }
        if (opts.json) printJson(streams);
        else printTable(['STREAM', 'VERSION'], streams.map((s) => [s.streamId, s.version]), '(no streams)');
      }, { tiered: true });
    });
}
