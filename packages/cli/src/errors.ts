import { isChronicleError } from '@chronicle/core';

/** Exit codes of `chronicle`, stable for scripts. */
export const exitCodes = {
  /** Success. */
  ok: 0,
  /** The command ran and found problems: `verify` failures, a refused import, or findings with `--exit-code`. */
  findings: 1,
  /** Bad arguments or options (unknown command, missing value, unreadable file). */
  usage: 2,
  /** The store failed with a typed Chronicle error (its code is printed). */
  store: 3,
  /** Anything else (a bug, an application module that threw). */
  internal: 4,
} as const;

/** An error the CLI reports as one line and a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** One-line message and exit code for any error that reached the top level. */
export function describeError(error: unknown): { readonly message: string; readonly exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (isChronicleError(error)) return { message: `${error.code}: ${error.message}`, exitCode: exitCodes.store };
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EACCES|ENOENT|28P01|3D000)$/.test(code)) {
    return { message: `${code}: ${message}`, exitCode: exitCodes.store };
  }
  return { message: message.split('\n')[0] ?? message, exitCode: exitCodes.internal };
}
