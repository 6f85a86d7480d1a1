import { createInMemoryStore, type EventStore } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';

/**
 * Opens the store a location names (README step 4, "swap the store"):
 * nothing for in-memory, `sqlite:<file>`, or a `postgres://` URL whose
 * optional `schema` query parameter picks the schema.
 */
export async function openStore(location?: string): Promise<EventStore> {
  if (!location) return createInMemoryStore();
  if (location.startsWith('sqlite:')) return createSqliteStore({ path: location.slice('sqlite:'.length) });
  if (/^postgres(ql)?:\/\//.test(location)) {
    const url = new URL(location);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    return createPostgresStore({ connectionString: url.toString(), ...(schema ? { schema } : {}) });
  }
  throw new Error(`unknown store location ${location}: use sqlite:<file> or postgres://…`);
}
