import { NotSupportedError } from '@chronicle/core';

/**
 * The database file was written by a newer `@chronicle/sqlite` (its schema
 * version is higher than any this build knows). Nothing was changed; upgrade
 * the package to open it. Its `code` is `NOT_SUPPORTED`.
 */
export class UnsupportedSchemaVersionError extends NotSupportedError {
  constructor(
    /** The database file. */
    readonly path: string,
    /** Schema version recorded in the file. */
    readonly fileVersion: number,
    /** Newest schema version this build understands. */
    readonly supportedVersion: number,
  ) {
    super(
      `opening schema version ${fileVersion}`,
      'sqlite',
      `${path} was written by a newer @chronicle/sqlite (this one understands up to version ${supportedVersion}); upgrade @chronicle/sqlite to open it`,
    );
  }
}
