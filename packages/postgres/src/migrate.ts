import { NotSupportedError } from '@chronicle/core';
import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike } from './pg-types.js';
import { withClient } from './pool.js';
import { latestSchemaVersion, migrations, type Migration } from './sql/migrations.js';
import { migrationQueries } from './sql/migration-queries.js';
import { transaction } from './sql/transaction.js';
import type { SchemaNames } from './sql/schema-names.js';
import { toNumber } from './rows.js';

type MigrationQueries = ReturnType<typeof migrationQueries>;

async function currentVersion(client: PgClientLike, sql: MigrationQueries): Promise<number> {
  const exists = await client.query(sql.ledgerExists);
  if (!(exists.rows[0] as unknown[])[0]) return 0;
  const result = await client.query(sql.currentVersion);
  return toNumber((result.rows[0] as unknown[])[0]);
}

function tooNew(names: SchemaNames, version: number): NotSupportedError {
  return new NotSupportedError(
    `opening schema "${names.schema}" at version ${version}`,
    'postgres',
    `it was migrated by a newer @chronicle/postgres; this one knows versions up to ${latestSchemaVersion}. Upgrade the package.`,
  );
}

async function apply(client: PgClientLike, names: SchemaNames, sql: MigrationQueries, migration: Migration): Promise<void> {
  await client.query({ text: migration.sql(names) });
  await client.query(sql.record(migration.version, migration.name));
}

/**
 * Brings `schema` to the latest version: creates it if needed and applies
 * pending migrations, all in one transaction under an advisory lock, so
 * processes starting at the same time are safe. With `apply: false` it only
 * checks that the schema is current (for deployments that migrate separately).
 *
 * @throws NotSupportedError when the schema is newer than this package, or
 *   (with `apply: false`) older.
 * @returns the schema version.
 */
export async function migrateSchema(pool: PgPoolLike, names: SchemaNames, options: { apply: boolean }): Promise<number> {
  try {
    const sql = migrationQueries(names);
    return await withClient(pool, async (client, discard) => {
      if (!options.apply) {
        const version = await currentVersion(client, sql);
        if (version > latestSchemaVersion) throw tooNew(names, version);
        if (version < latestSchemaVersion) {
          throw new NotSupportedError(`opening schema "${names.schema}" at version ${version}`, 'postgres', `migrations are disabled; run them to reach version ${latestSchemaVersion}`);
        }
        return version;
      }
      await client.query(transaction.begin);
      try {
        await client.query(sql.lock);
        await client.query(sql.createSchema);
        await client.query(sql.createLedger);
        const version = await currentVersion(client, sql);
        if (version > latestSchemaVersion) throw tooNew(names, version);
        for (const migration of migrations) if (migration.version > version) await apply(client, names, sql, migration);
        await client.query(transaction.commit);
        return latestSchemaVersion;
      } catch (error) {
        await client.query(transaction.rollback).catch(discard);
        throw error;
      }
    });
  } catch (error) {
    throw toStoreError(error, false);
  }
}
