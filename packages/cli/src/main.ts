#!/usr/bin/env node
import { CommanderError } from 'commander';
import { describeError, exitCodes } from './errors.js';
import { createProgram } from './program.js';

/** Runs the CLI with `argv` (user arguments only); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv], { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; commander already printed its message.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const { message, exitCode } = describeError(error);
    process.stderr.write(`chronicle: ${message}\n`);
    if (process.env.CHRONICLE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

// `chronicle export | head`: the reader left, so there is nobody to write to — stop quietly, like other Unix tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCodes.ok);
  throw error;
});

process.exitCode = await run(process.argv.slice(2));
