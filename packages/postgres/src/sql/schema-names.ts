import { ValidationError } from '@chronicle/core';

/** Schema names Chronicle accepts: plain identifiers, short enough for derived names. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** Advisory-lock class ids (first key of the two-key form), `CHRN`, `CHRM` and `CHRO` in ASCII. */
export const POSITION_LOCK_CLASS = 0x4348524e;
export const MIGRATION_LOCK_CLASS = 0x4348524d;
/** Serializes outbox sealers (`seal_outbox`), for a few microseconds each. */
export const OUTBOX_LOCK_CLASS = 0x4348524f;
/**
 * `CHRA`: held in shared mode, to the end of its transaction, by every append
 * transaction of the store (schema v4 on): how readers tell this store's
 * in-flight appends from every other transaction on the server (see `horizon.ts`).
 */
export const APPENDER_CLASS = 0x43485241;
/** `CHRW`: held in shared mode by every projection-host transaction (it may write the outbox; see `horizon.ts`). */
export const OUTBOX_WRITER_CLASS = 0x43485257;

/** Everything SQL text needs to know about one store's schema, computed once. */
export type SchemaNames = {
  /** The schema name as given. */
  readonly schema: string;
  /** The schema as a quoted identifier, ready to prefix table names. */
  readonly q: string;
  /** Second advisory-lock key, derived from the schema name. */
  readonly lockKey: number;
  /** LISTEN/NOTIFY channel of this store. */
  readonly channel: string;
};

/** 32-bit FNV-1a of the UTF-8 bytes, as a signed int4. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** Validates a schema name and derives the names Chronicle uses in it. */
export function schemaNames(schema: string): SchemaNames {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw ValidationError.of('schema', 'must be a lower-case identifier ([a-z_][a-z0-9_]*) of at most 48 characters');
  }
  return { schema, q: `"${schema}"`, lockKey: fnv1a(schema), channel: `chronicle_${schema}` };
}
