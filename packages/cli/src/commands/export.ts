import type { Command } from 'commander';
import { globalOptions, integer, withStore } from '../context.js';
import { eventLine } from '../io/ndjson.js';
import { note, printJson } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import { lineSink } from '../io/write-lines.js';

/** `chronicle export [file]`: the global log as NDJSON, streamed in constant memory. */
export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write every event, in global order, as NDJSON (one event per line) to a file or stdout')
    .argument('[file]', 'output file, or - for stdout', '-')
    .option('--after <position>', 'only events after this global position', integer('--after'), 0)
    .option('--json', 'print a JSON summary on stdout (with a file argument)')
    .addHelpText(
      'after',
      '\nEach line is {eventId, streamId, streamPosition, globalPosition, type, data, metadata, recordedAt}.\n\nExamples:\n  $ chronicle export events.ndjson\n  $ chronicle --pg postgres://localhost/app export - | gzip > events.ndjson.gz',
    )
    .action(async (file: string, opts: { after: number; json?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withStore(options, async (store) => {
        const head = await store.headPosition();
        const progress = createProgress('export', head - opts.after, { enabled: options.progress && file !== '-' });
        const sink = lineSink(file);
        const started = Date.now();
        let count = 0;
        let system = 0;
        let last = opts.after;
        try {
          for await (const event of store.readAll({ after: opts.after })) {
            last = event.globalPosition;
            // Store markers ($StreamDeleted) are the store's own; an import could not append them.
            if (event.type.startsWith('$')) {
              system++;
              continue;
            }
            await sink.write(eventLine(event));
            count++;
            if (count % 1000 === 0) progress.update(last - opts.after);
          }
          progress.update(head - opts.after);
        } finally {
          progress.stop();
          await sink.close();
        }
        const seconds = (Date.now() - started) / 1000;
        const summary = { events: count, skippedSystemEvents: system, lastGlobalPosition: last, seconds, eventsPerSecond: Math.round(count / Math.max(seconds, 0.001)), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
        if (opts.json && file !== '-') printJson(summary);
        else note(`exported ${count} events (to global position ${last}${system ? `; ${system} store markers skipped` : ''}) in ${seconds.toFixed(1)} s, ${summary.eventsPerSecond} events/s`);
      }, { tiered: true });
    });
}
