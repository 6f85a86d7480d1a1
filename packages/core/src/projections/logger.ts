/** The logging slice Chronicle uses; a pino logger fits as is. */
export type Logger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
};

/** Writes warnings and errors to stderr as one JSON line each; info is dropped. */
export const consoleLogger: Logger = {
  info() {},
  warn(fields, message) {
    console.warn(JSON.stringify({ level: 'warn', message, ...fields }));
  },
  error(fields, message) {
    console.error(JSON.stringify({ level: 'error', message, ...fields }));
  },
};

/** Drops everything (tests that assert on status instead). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
