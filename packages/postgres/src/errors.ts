import { ChronicleError, DuplicateEventIdError, StoreUnavailableError } from '@chronicle/core';

/** Fields of a `pg` DatabaseError that error mapping reads. */
type PgErrorFields = { code?: unknown; severity?: unknown; constraint?: unknown; detail?: unknown };

/** SQLSTATE classes and codes after which the database was (or became) unreachable, or the work was rolled back and may be retried. */
const TRANSIENT_SQLSTATE = /^(08|53|57P0|40001|40P01|55P03|57014)/;

/** Socket-level failures reported by Node or by `pg` itself (no SQLSTATE). */
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended|connection is closed/i;

/** Whether `error` comes from the database server (it answered) rather than from the connection. */
function fromServer(error: PgErrorFields): boolean {
  return typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code) && typeof error.severity === 'string';
}

/**
 * True when `error` means "the database is unreachable or the connection
 * broke", i.e. the operation may succeed later.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as PgErrorFields & { message?: unknown };
  // A FATAL ends the session (e.g. 55000 "database is not currently accepting connections", 3D000 while it is recreated).
  if (fromServer(fields)) return fields.severity === 'FATAL' || fields.severity === 'PANIC' || TRANSIENT_SQLSTATE.test(fields.code as string);
  if (typeof fields.code === 'string' && TRANSIENT_NODE_CODES.has(fields.code)) return true;
  return typeof fields.message === 'string' && TRANSIENT_MESSAGES.test(fields.message);
}

/**
 * Whether the failed statement surely did not commit: the server answered
 * with an ordinary ERROR (the transaction was rolled back). Connection loss
 * or a FATAL while a committing statement was in flight leaves it unknown.
 */
function rolledBack(error: unknown): boolean {
  const fields = error as PgErrorFields;
  return fromServer(fields) && fields.severity === 'ERROR';
}

const UUID_IN_DETAIL = /\(event_id\)=\(([0-9a-f-]{36})\)/i;

/**
 * Maps a driver error to Chronicle's typed errors.
 * @param committing whether the failed step could have committed (a
 *   single-statement append, or COMMIT): connection loss then leaves the
 *   outcome unknown.
 */
export function toStoreError(error: unknown, committing: boolean): unknown {
  if (error instanceof ChronicleError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as PgErrorFields;
  if (fields.code === '23505' && fields.constraint === 'events_event_id_key') {
    const match = typeof fields.detail === 'string' ? UUID_IN_DETAIL.exec(fields.detail) : null;
    return new DuplicateEventIdError(match?.[1] ?? 'unknown');
  }
  if (isTransient(error)) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = committing && !rolledBack(error);
    return new StoreUnavailableError(`postgres: ${message}${unknown ? ' (the append may or may not have been stored)' : ''}`, unknown, {
      cause: error,
    });
  }
  return error;
}
