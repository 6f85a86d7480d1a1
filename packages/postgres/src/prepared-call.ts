import type { PgClientLike, PgQueryConfig } from './pg-types.js';

/**
 * The part of `pg`'s JavaScript connection a {@link PreparedCall} drives: the
 * extended-protocol messages and the client's record of prepared statements
 * (the same interface `pg-cursor` and `pg-query-stream` build on).
 */
type ProtocolConnection = {
  readonly stream: { cork?: () => void; uncork?: () => void };
  readonly parsedStatements: Record<string, string | undefined>;
  readonly submittedNamedStatements: Record<string, string | undefined>;
  parse(message: { name: string; text: string }): void;
  bind(message: { statement: string; values: readonly (string | null)[] }): void;
  execute(message: { portal?: string; rows?: number }): void;
  sync(): void;
};

/** A `pg` client that accepts submittables (the JavaScript client; `pg-native` does not). */
type SubmittableClient = { query(submittable: PreparedCall): unknown };

/**
 * Whether `client` is `pg`'s JavaScript client, whose `query` takes a
 * {@link PreparedCall}. Exported for `prepared-call.test.ts`, which fails
 * when a `pg` release moves the internals this file relies on.
 */
export function acceptsSubmittables(client: PgClientLike): client is PgClientLike & SubmittableClient {
  const connection = (client as { connection?: { parsedStatements?: unknown } }).connection;
  return typeof connection?.parsedStatements === 'object' && connection.parsedStatements !== null;
}

/** One element of an array literal: NULL, or double-quoted with `"` and `\` escaped. */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return `"${String(value).replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * A parameter as PostgreSQL's text input reads it: strings as they are,
 * flat arrays as array literals, dates as ISO timestamps (UTC), other objects
 * as JSON, numbers, bigints and booleans in their text form.
 */
export function textParameter(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `{${value.map(arrayElement).join(',')}}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A named statement run through `pg`'s submittable interface: Parse once per
 * connection, then Bind, Execute, Sync in one write; the result is its rows,
 * each the array of its columns' text (null for SQL NULL). Against
 * `client.query` it skips the generic query object, the row description and
 * result parsing: measured on this project's 2-core machine, about 0.1 ms
 * less client CPU per call, a fifth of a whole single append (see the
 * package README).
 */
export class PreparedCall {
  /** Read by `pg`'s client to record the statement as prepared. */
  readonly name: string;
  readonly text: string;
  readonly promise: Promise<(string | null)[][]>;
  private readonly values: readonly (string | null)[];
  private readonly rows: (string | null)[][] = [];
  private resolve!: (rows: (string | null)[][]) => void;
  private reject!: (error: unknown) => void;

  constructor(statement: NamedStatement) {
    this.name = statement.name;
    this.text = statement.text;
    this.values = (statement.values ?? []).map(textParameter);
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Called by `pg` when the connection is free: writes the messages in one corked write. */
  submit(connection: ProtocolConnection): null {
    connection.stream.cork?.();
    try {
      if (connection.parsedStatements[this.name] === undefined && connection.submittedNamedStatements[this.name] === undefined) {
        connection.parse({ name: this.name, text: this.text });
        connection.submittedNamedStatements[this.name] = this.text;
      }
      connection.bind({ statement: this.name, values: this.values });
      connection.execute({});
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(): void {}

  handleDataRow(message: { fields: (string | null)[] }): void {
    this.rows.push(message.fields);
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(): void {}

  handleCopyData(): void {}

  /** An ErrorResponse (the client then forgets this call) or a connection failure. */
  handleError(error: unknown): void {
    this.reject(error);
  }

  handleReadyForQuery(): void {
    this.resolve(this.rows);
  }
}

/** `{1,-2,3}` (an int8[] in text form) as numbers. */
export function parseBigintArray(text: string): number[] {
  const inner = text.slice(1, -1);
  return inner === '' ? [] : inner.split(',').map(Number);
}

/** A named statement (every statement run as a {@link PreparedCall} is prepared once per connection). */
export type NamedStatement = PgQueryConfig & { readonly name: string };

/**
 * Runs a named statement and returns the first column of its first row (null
 * when there is none): through a {@link PreparedCall} on `pg`'s JavaScript
 * client, as text; through `client.query` on any other client (e.g.
 * `pg-native`, test stand-ins), as that client parsed it.
 */
export async function callForValue(client: PgClientLike, statement: NamedStatement): Promise<unknown> {
  if (!acceptsSubmittables(client)) {
    const result = await client.query({ ...statement, rowMode: 'array' });
    return (result.rows[0] as unknown[] | undefined)?.[0] ?? null;
  }
  const call = new PreparedCall(statement);
  client.query(call);
  return (await call.promise)[0]?.[0] ?? null;
}

/**
 * Runs a statement and returns its rows as arrays (`rowMode: 'array'`): named
 * statements on `pg`'s JavaScript client through a {@link PreparedCall}, with
 * every column as text (what `pg` returns by default for the text, int8, uuid
 * and json-as-text columns Chronicle reads; booleans arrive as `t`/`f`);
 * anything else through `client.query`.
 */
export async function queryRows(client: PgClientLike, statement: PgQueryConfig): Promise<unknown[][]> {
  if (statement.name === undefined || !acceptsSubmittables(client)) {
    return (await client.query({ ...statement, rowMode: 'array' })).rows as unknown[][];
  }
  const call = new PreparedCall(statement as NamedStatement);
  client.query(call);
  return call.promise;
}

/** Runs a named statement that returns one int8[] (see {@link callForValue}) and returns its elements. */
export async function callReturningArray(client: PgClientLike, statement: NamedStatement): Promise<readonly unknown[]> {
  const value = await callForValue(client, statement);
  if (typeof value === 'string') return parseBigintArray(value);
  if (Array.isArray(value)) return value;
  throw new Error(`chronicle: ${statement.name} returned no array`);
}
