import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAggregateLoader, createProjectionRunner, documentProjection, silentLogger, withEventSchemas } from '@chronicle/core';
import { legacyLicenseSchemas } from '@chronicle/core/conformance';
import { createServer } from '@chronicle/server';
import { createSqliteStore } from './sqlite-store.js';
import { migrate } from './sql/migrate.js';
import { migrations } from './sql/migrations.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-upcasting');
afterAll(files.remove);

type LicenseV3 = { customerId: string; region: string; seats: number };

/** v1 `{ customer }` → v2 adds `region` → v3 renames `customer` to `customerId`. */
const schemas = legacyLicenseSchemas;

describe('events written as v1 by an old release', () => {
  it('rows inserted with raw SQL into a schema-1 file read as v3 through aggregate loads, an async projection and the HTTP API', async () => {
    const path = files.file();
    // The first release's schema, then rows exactly as that release wrote them: no schema version in the metadata.
    const raw = new Database(path);
    migrate(raw, migrations.slice(0, 1), path);
    const insert = raw.prepare('INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    raw.transaction(() => {
      for (let s = 0; s < 3; s++) {
        for (let p = 1; p <= 4; p++) {
          insert.run(`license-${s}`, p, `00000000-0000-7000-8000-${String(s * 10 + p).padStart(12, '0')}`, 'LicenseGranted', JSON.stringify({ customer: `c${s}`, seats: p }), '{}', Date.UTC(2024, 0, p));
        }
        raw.prepare('INSERT INTO streams (stream_id, version) VALUES (?, 4)').run(`license-${s}`);
      }
    })();
    raw.close();

    const store = createSqliteStore({ path });
    try {
      const current = withEventSchemas(store, schemas);
      // Aggregate load (through snapshots, which live in the same file).
      const seats = { initialState: () => ({ seats: 0, customerId: '', region: '' }), evolve: (state: LicenseV3, e: { type: string; data: unknown }) => {
        const data = e.data as LicenseV3;
        return { seats: state.seats + data.seats, customerId: data.customerId, region: data.region };
      } };
      const loader = createAggregateLoader(current, seats, { name: 'licenses', schemaVersion: 1, everyEvents: 2 });
      const loaded = await loader.load('license-1');
      expect(loaded).toMatchObject({ version: 4, state: { seats: 10, customerId: 'c1', region: 'eu' } });
      const [first] = await (async () => {
        const list = [];
        for await (const event of current.readStream('license-0', { limit: 1 })) list.push(event);
        return list;
      })();
      expect(first).toMatchObject({ data: { customerId: 'c0', region: 'eu', seats: 1 }, storedAs: { type: 'LicenseGranted', schemaVersion: 1 }, metadata: { schemaVersion: 3 } });
      // Async projection over the global log.
      const projection = documentProjection<LicenseV3>({
        name: 'licenses-view',
        collection: 'licenses',
        documentId: (e) => e.streamId,
        evolve: (doc, e) => {
          const data = e.data as LicenseV3;
          return { customerId: data.customerId, region: data.region, seats: (doc?.seats ?? 0) + data.seats };
        },
      });
      await createProjectionRunner({ store: current, host: store.projections, projection, logger: silentLogger }).catchUp();
      expect(await store.projections.documents.find('licenses')).toEqual([0, 1, 2].map((s) => ({ id: `license-${s}`, document: { customerId: `c${s}`, region: 'eu', seats: 10 } })));
      // The stored rows are untouched: upcasting happens on read.
      const inspect = new Database(path, { readonly: true });
      expect(JSON.parse(inspect.prepare("SELECT data FROM events WHERE stream_id = 'license-2' AND stream_position = 1").pluck().get() as string)).toEqual({ customer: 'c2', seats: 1 });
      inspect.close();
      // HTTP-level read: the generic API serves the current version, and says what was stored.
      const { app } = await createServer({ store: current, auth: { token: 't' }, logger: false, catalog: false });
      try {
        const base = await app.listen({ port: 0, host: '127.0.0.1' });
        const page = (await (await fetch(`${base}/v1/streams/license-2?limit=1`)).json()) as { events: unknown[] };
        expect(page.events[0]).toMatchObject({ data: { customerId: 'c2', region: 'eu', seats: 1 }, storedAs: { type: 'LicenseGranted', schemaVersion: 1 } });
        const all = (await (await fetch(`${base}/v1/all?from=1&limit=100`)).json()) as { events: Array<{ data: Partial<LicenseV3> & { customer?: string } }> };
        expect(all.events).toHaveLength(12);
        expect(all.events.every((e) => typeof e.data.customerId === 'string' && e.data.region === 'eu' && e.data.customer === undefined)).toBe(true);
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
    }
  });
});
