import { Command, Option } from 'commander';
import { archiveCommand } from './commands/archive.js';
import { dumpCommand } from './commands/dump.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { projectionsCommand } from './commands/projections.js';
import { readCommand } from './commands/read.js';
import { shadowCommand } from './commands/shadow.js';
import { snapshotsCommand } from './commands/snapshots.js';
import { streamsCommand } from './commands/streams.js';
import { verifyCommand } from './commands/verify.js';
import { whatIfCommand } from './commands/what-if.js';

const EPILOG = `
Store: --db <file> (SQLite), --pg <url> (PostgreSQL) or --nats <urls> (NATS JetStream). Without
one of them, CHRONICLE_PG_URL selects PostgreSQL and CHRONICLE_NATS_URL NATS (both set is refused),
else SQLite at $CHRONICLE_DATA_DIR/chronicle.db (default ./data).

Archive: after \`chronicle archive\`, read commands (streams, read, dump, export, shadow,
what-if, projections rebuild) return archived events too, and verify checks both tiers.

App: projections, deciders, dumps and what-if reports come from --app <module>, else
chronicle.config.(mjs|js|ts) in the working directory, else the Downloads app.

Exit codes: 0 ok, 1 problems found (verify, refused import, --exit-code findings),
2 bad usage, 3 store error (its code is printed, e.g. STORE_UNAVAILABLE), 4 other errors.

Examples:
  $ chronicle streams --category license
  $ chronicle read license-42 --json
  $ chronicle dump --customer c1
  $ chronicle export events.ndjson && chronicle --db copy.db import events.ndjson
  $ chronicle verify
  $ chronicle projections status
  $ chronicle projections rebuild title-popularity
  $ chronicle archive --older-than 365d
  $ chronicle what-if --rules stricter.json
  $ chronicle shadow --decider ./license-v2.ts --category license`;

/** The `chronicle` command line, ready to parse. */
export function createProgram(): Command {
  const program = new Command('chronicle')
    .description('Chronicle stores from the command line: read, dump, export/import, verify, projections, snapshots, archive, shadow replay')
    .version('0.1.0')
    .addOption(new Option('--db <file>', 'SQLite database file').conflicts(['pg', 'nats']))
    .addOption(new Option('--pg <url>', 'PostgreSQL connection URL').conflicts('nats'))
    .option('--nats <urls>', 'NATS JetStream seed URLs, comma-separated (nats-server 2.12+)')
    .option('--nats-stream <name>', 'NATS JetStream events stream (default CHRONICLE, or CHRONICLE_NATS_STREAM)')
    .option('--schema <name>', 'PostgreSQL schema of the store (default chronicle)')
    .option('--cold <dir>', 'archive directory (default: cold/ beside the SQLite file, or $CHRONICLE_DATA_DIR/cold)')
    .option('--app <module>', 'application module: projections, deciders, schemas, dump, whatIf')
    .option('--no-progress', 'no progress bars (they are off anyway when stderr is not a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EPILOG)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of [streamsCommand, readCommand, dumpCommand, exportCommand, importCommand, verifyCommand, projectionsCommand, snapshotsCommand, archiveCommand, whatIfCommand, shadowCommand]) {
    register(program);
  }
  const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(program)) command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}
