import {
  KEY_COLLECTION,
  REDACTED,
  aggregateStream,
  createProjectionRunner,
  documentKeyStore,
  documentProjection,
  silentLogger,
  withCryptoShredding,
  withEventSchemas,
} from '@chronicle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from './postgres-store.js';
import { legacyLicenseSchemas } from '@chronicle/core/conformance';
import { pgAvailable, useTestStore } from './test/pg-test-support.js';
import { collect } from './test/projection-fixtures.js';

const available = await pgAvailable();

/** v1 `{ customer }` → v2 adds `region` → v3 renames `customer` to `customerId`. */
const schemas = legacyLicenseSchemas;

type License = { customerId: string; region: string };

describe.skipIf(!available)('upcasting and crypto-shredding on PostgreSQL tables', () => {
  const fixture = useTestStore('versions');
  const { pool, schema } = fixture;
  let store: PostgresEventStore;
  beforeAll(() => {
    store = fixture.store;
  });

  it('v1 rows inserted by SQL (as an old release wrote them) read as v3 on aggregate load and in an async projection', async () => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      for (const [stream, customer] of [['license-1', 'bailey'], ['license-2', 'casey']] as const) {
        await client.query(`insert into "${schema}".streams (stream_id, version) values ($1, 1)`, [stream]);
        await client.query(
          `insert into "${schema}".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
           values (nextval('"${schema}".global_position'), $1, 1, gen_random_uuid(), 'LicenseGranted', $2::json, '{}', now(), pg_current_xact_id())`,
          [stream, JSON.stringify({ customer })],
        );
      }
      await client.query('commit');
    } finally {
      client.release();
    }
    const current = withEventSchemas(store, schemas);
    const license = { initialState: (): License | undefined => undefined, evolve: (_s: License | undefined, e: { data: unknown }) => e.data as License };
    const loaded = await aggregateStream(current, 'license-1', license);
    expect(loaded).toEqual({ state: { customerId: 'bailey', region: 'eu' }, version: 1 });
    const [event] = await collect(current.readStream('license-2'));
    expect(event).toMatchObject({ data: { customerId: 'casey', region: 'eu' }, storedAs: { schemaVersion: 1 } });
    const projection = documentProjection<License>({ name: 'licenses', collection: 'licenses', eventTypes: ['LicenseGranted'], documentId: (e) => e.streamId, evolve: (_d, e) => e.data as License });
    await createProjectionRunner({ store: current, host: store.projections, projection, logger: silentLogger }).catchUp();
    expect(await store.projections.documents.find('licenses')).toEqual([
      { id: 'license-1', document: { customerId: 'bailey', region: 'eu' } },
      { id: 'license-2', document: { customerId: 'casey', region: 'eu' } },
    ]);
  });

  it('crypto-shredding: after forgetting and a rebuild, no plaintext is left in the read-model or event tables, and the key row is gone', async () => {
    const host = store.projections;
    const shredding = withCryptoShredding(store, {
      personal: { CustomerRegistered: { subject: (data) => data.customerId as string, fields: ['name', 'email'] } },
      keys: documentKeyStore(host),
      cacheTtlMs: 0,
    });
    const secret = { name: 'Ann Plaintext-Person', email: 'ann.secret@example.com' };
    await shredding.append('customer-ann', [{ type: 'CustomerRegistered', data: { customerId: 'ann', ...secret, plan: 'gold' } }], 'no_stream');
    await shredding.append('customer-bob', [{ type: 'CustomerRegistered', data: { customerId: 'bob', name: 'Bob', email: 'bob@example.com' } }], 'no_stream');
    const view = (version: number) =>
      documentProjection<Record<string, unknown>>({ name: 'customers', version, collection: 'customers', documentId: (e) => e.streamId, evolve: (d, e) => ({ ...d, ...(e.data as object) }) });
    const tableText = async (table: string): Promise<string> => (await pool.query(`select coalesce(string_agg(t::text, '\n'), '') as text from "${schema}".${table} t`)).rows[0].text as string;

    await createProjectionRunner({ store: shredding, host, projection: view(1), logger: silentLogger }).catchUp();
    expect(await tableText('documents')).toContain(secret.email);
    expect(await tableText('events')).not.toContain(secret.email);
    expect(await host.documents.get(KEY_COLLECTION, 'ann')).toBeDefined();

    expect(await shredding.forgetSubject('ann')).toBe(true);
    await createProjectionRunner({ store: shredding, host, projection: view(2), logger: silentLogger }).catchUp();
    await host.transaction((tx) => tx.documents.dropCollection('customers'));

    const documents = await tableText('documents');
    for (const table of ['documents', 'events', 'outbox', 'checkpoints', 'parked']) {
      const text = await tableText(table);
      expect(text, table).not.toContain(secret.email);
      expect(text, table).not.toContain(secret.name);
    }
    expect(documents).toContain('bob@example.com');
    expect(await host.documents.get('customers@v2', 'customer-ann')).toMatchObject({ name: REDACTED, email: REDACTED, plan: 'gold' });
    const keys = await pool.query(`select id from "${schema}".documents where collection = $1 and id = 'ann'`, [KEY_COLLECTION]);
    expect(keys.rows).toEqual([]);
  });
});
