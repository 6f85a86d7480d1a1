import { describe, expect, it } from 'vitest';
import { latestSchemaVersion, migrations } from './migrations.js';
import { schemaNames } from './schema-names.js';

/**
 * Released migrations must keep creating exactly what they always created: a
 * database migrated by an older package and one migrated by this one must
 * hold the same objects. Each migration's SQL, generated for the default
 * schema, is pinned in `snapshots/` (a change to shared SQL builders shows up
 * here as a diff of every migration that uses them). After adding a migration,
 * write its file with `npx vitest run -u packages/postgres/src/sql/migrations.test.ts`
 * and review it; never update the file of a released one.
 */
describe('migrations: generated SQL is pinned', () => {
  const names = schemaNames('chronicle');

  it('versions are 1..n without gaps, names unique', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
    expect(latestSchemaVersion).toBe(migrations.length);
  });

  for (const migration of migrations) {
    it(`v${migration.version} (${migration.name})`, async () => {
      await expect(migration.sql(names)).toMatchFileSnapshot(`./snapshots/v${migration.version}.sql`);
    });
  }

  it('the SQL depends on the schema only through its names', () => {
    const other = schemaNames('other_schema');
    for (const migration of migrations) {
      const sql = migration.sql(other);
      expect(sql).not.toContain('"chronicle"');
      expect(sql).toContain('"other_schema".');
    }
  });
});
