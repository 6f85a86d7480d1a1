import { StreamNotFoundError, type RecordedEvent } from '@chronicle/core';
import type { Command } from 'commander';
import { appView, globalOptions, integer, withStore } from '../context.js';
import { eventJson, printEvents } from '../io/events-view.js';
import { printJson } from '../io/output.js';

/** `chronicle read <stream>`: the events of one stream. */
export function readCommand(program: Command): void {
  program
    .command('read')
    .description('print the events of one stream')
    .argument('<stream>', 'stream id')
    .option('--from <position>', 'first stream position (inclusive)', integer('--from', 1))
    .option('--limit <n>', 'at most n events', integer('--limit', 1))
    .option('--backwards', 'newest first')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ chronicle read license-42\n  $ chronicle read account-c1 --backwards --limit 5 --json')
    .action(async (streamId: string, opts: { from?: number; limit?: number; backwards?: boolean; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (raw) => {
        const { store } = await appView(options, raw);
        if (!(await store.getStreamInfo(streamId))) throw new StreamNotFoundError(streamId);
        const events: RecordedEvent[] = [];
        const read = store.readStream(streamId, {
          ...(opts.backwards ? { direction: 'backwards' as const } : {}),
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        });
        for await (const event of read) events.push(event);
        if (opts.json) printJson(events.map(eventJson));
        else printEvents(events, false);
      }, { tiered: true });
    });
}
