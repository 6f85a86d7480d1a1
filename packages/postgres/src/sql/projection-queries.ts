import { registerOutboxWriter } from './horizon.js';
import type { SchemaNames } from './schema-names.js';

/** The statements of the projection host, for one schema. */
export type ProjectionQueries = ReturnType<typeof projectionQueries>;

/**
 * SQL of documents, checkpoints, parked events and the outbox (leases are advisory locks: `advisory-leases.ts`;
 * the `leases` table of migration v2 is no longer used).
 * Documents are `jsonb`; ids sort in byte order (`collate "C"`), as in every
 * Chronicle store. Statements that report success return one row per
 * affected row (`returning 1`), so callers count rows.
 */
export function projectionQueries(names: SchemaNames) {
  const { q, schema } = names;
  const named = (name: string, text: string): { readonly name: string; readonly text: string } => ({ name: `chr_${schema}_${name}`, text });
  return {
    /**
     * Starts a projection-host transaction registered as a possible outbox
     * writer before it has an xid, so `readOutbox` waits for it (and for no
     * transaction that is not this store's; see `horizon.ts`). One round trip.
     */
    begin: { text: `begin; select ${registerOutboxWriter(names)}` },
    getDocument: named('doc_get', `select document::text from ${q}.documents where collection = $1 and id = $2`),
    getDocuments: named('doc_many', `select id, document::text from ${q}.documents where collection = $1 and id = any($2::text[])`),
    // Rows are written (and locked) in id order, so concurrent transactions
    // upserting overlapping documents cannot deadlock on each other's order.
    putDocuments: named(
      'doc_put',
      `insert into ${q}.documents (collection, id, document)
       select $1, d.id, d.document from unnest($2::text[], $3::jsonb[]) as d(id, document) order by d.id
       on conflict (collection, id) do update set document = excluded.document`,
    ),
    createDocument: named(
      'doc_create',
      `insert into ${q}.documents (collection, id, document) values ($1, $2, $3::jsonb)
       on conflict (collection, id) do nothing returning 1`,
    ),
    deleteDocuments: named('doc_delete', `delete from ${q}.documents where collection = $1 and id = any($2::text[])`),
    /** $2 prefix, $3 exclusive upper bound of the prefix (null: none), $4 cursor (null: none), $5 limit (null: all). */
    findDocuments: named(
      'doc_find',
      `select id, document::text from ${q}.documents
        where collection = $1 and id >= $2 and ($3::text is null or id < $3) and ($4::text is null or id > $4)
        order by id limit $5`,
    ),
    countDocuments: named('doc_count', `select count(*) from ${q}.documents where collection = $1`),
    dropCollection: named('doc_drop', `delete from ${q}.documents where collection = $1`),

    getCheckpoint: named('cp_get', `select position from ${q}.checkpoints where name = $1`),
    /** Creates a checkpoint; returns no row when it exists (someone else created it first). */
    createCheckpoint: named(
      'cp_create',
      `insert into ${q}.checkpoints (name, position, updated_at) values ($1, $2, $3)
       on conflict (name) do nothing returning 1`,
    ),
    /** Moves a checkpoint from $2 to $3 (row-locks it, so a racing runner waits, then finds it moved). */
    moveCheckpoint: named(
      'cp_move',
      `update ${q}.checkpoints set position = $3, updated_at = $4 where name = $1 and position = $2 returning 1`,
    ),
    listCheckpoints: named('cp_list', `select name, position, updated_at from ${q}.checkpoints order by name`),
    deleteCheckpoint: named('cp_delete', `delete from ${q}.checkpoints where name = $1`),

    park: named(
      'park',
      `insert into ${q}.parked (consumer, event_id, global_position, stream_id, type, error, attempts, parked_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (consumer, event_id) do update set error = excluded.error, attempts = excluded.attempts, parked_at = excluded.parked_at`,
    ),
    listParked: named(
      'parked_list',
      `select consumer, event_id, global_position, stream_id, type, error, attempts, parked_at from ${q}.parked
        where $1::text is null or consumer = $1 order by global_position, consumer`,
    ),
    unpark: named('unpark', `delete from ${q}.parked where consumer = $1 and event_id = $2 returning 1`),

    addOutbox: named(
      'outbox_add',
      `insert into ${q}.outbox (topic, type, data, key, source_event_id, created_at)
       select m.topic, m.type, m.data, m.key, m.source, $6 from unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::text[]) as m(topic, type, data, key, source)`,
    ),
    sealOutbox: named('outbox_seal', `select ${q}.seal_outbox()`),
    readOutbox: named(
      'outbox_read',
      `select position, topic, type, data::text, key, source_event_id, created_at from ${q}.outbox
        where position > $1 order by position limit $2`,
    ),
  };
}
