import { appendFunctions } from './append-functions.js';
import { horizonFunctions, plpgsqlHorizon } from './horizon.js';
import { migrationV2 } from './migration-v2.js';
import { migrationV4 } from './migration-v4.js';
import type { SchemaNames } from './schema-names.js';

/**
 * One schema change. Migrations run in order, each in its own transaction,
 * under an advisory lock; the schema's `schema_migrations` table records the
 * applied versions. Append new migrations at the end, never edit released ones.
 */
export type Migration = {
  readonly version: number;
  readonly name: string;
  readonly sql: (names: SchemaNames) => string;
};

/**
 * v1: streams, events and the append functions. Every append reserves its
 * positions first (see `append-functions.ts`), so among appending
 * transactions xid order equals position order; readers then only return
 * rows whose `transaction_id` is below the snapshot's xmin (README:
 * "Gap-safe global order").
 */
const v1: Migration = {
  version: 1,
  name: 'events, streams, append functions',
  sql: (names) => `
create table ${names.q}.streams (
  stream_id text collate "C" primary key,
  version bigint not null
);

create sequence ${names.q}.global_position as bigint minvalue 1 maxvalue 9007199254740991;

create table ${names.q}.events (
  global_position bigint primary key,
  stream_id text collate "C" not null,
  stream_position bigint not null,
  event_id uuid not null,
  type text not null,
  data json not null,
  metadata json not null,
  recorded_at timestamptz not null,
  transaction_id xid8 not null,
  constraint events_stream_position_key unique (stream_id, stream_position),
  constraint events_event_id_key unique (event_id)
);

comment on column ${names.q}.events.data is 'The JSON text exactly as appended (key order and \\u0000 escapes kept); cast to jsonb to query.';
comment on column ${names.q}.events.transaction_id is 'Writer xid; readers only return rows below their snapshot xmin (gap-safe order).';

${appendFunctions(names)}`,
};

/** v2: projection host tables and stream lifecycle (see `migration-v2.ts`). */
const v2: Migration = { version: 2, name: 'projection host, stream lifecycle', sql: migrationV2 };

/**
 * v3: generation 3 of the append functions, a cheaper single append with the
 * same guarantees: positions are reserved without a subtransaction (the
 * client destroys a connection whose append failed inside the reservation,
 * which releases the position lock), and an existing stream's row is bumped
 * with a plain UPDATE (upsert only for a new stream). Same signatures, so
 * `create or replace` swaps them in place.
 */
const v3: Migration = { version: 3, name: 'append functions without a subtransaction', sql: (names) => appendFunctions(names, 3) };

/**
 * v4: every append transaction registers itself (a shared transaction-level
 * advisory lock) before it reserves positions, and the outbox seal waits only
 * for registered transactions (see `migration-v4.ts`).
 */
const v4: Migration = { version: 4, name: 'horizon of in-flight appends only', sql: migrationV4 };

/**
 * v5: the horizon as a function computed before the read that uses it
 * (`horizon.ts`), `head_position()` on it, and `seal_outbox()` following it;
 * projection-host transactions register as outbox writers.
 */
const v5: Migration = { version: 5, name: 'horizon before the read', sql: horizonFunctions };

/** v6: `horizon()` in plpgsql, planned once per session instead of on every call (see `horizon.ts`). */
const v6: Migration = { version: 6, name: 'horizon planned once per session', sql: plpgsqlHorizon };

/** Every migration, in order. Append new ones at the end. */
export const migrations: readonly Migration[] = [v1, v2, v3, v4, v5, v6];

/** The schema version this build of the package creates and understands. */
export const latestSchemaVersion = migrations[migrations.length - 1]!.version;
