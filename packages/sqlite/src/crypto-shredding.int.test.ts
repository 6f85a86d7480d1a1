import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY_COLLECTION, createProjectionRunner, documentKeyStore, documentProjection, silentLogger, withCryptoShredding, type PersonalDataSpec } from '@chronicle/core';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-shredding');
afterAll(files.remove);

const personal: PersonalDataSpec = {
  CustomerRegistered: { subject: (data) => data.customerId as string, fields: ['name', 'email'] },
  EmailChanged: { subject: (data) => data.customerId as string, fields: ['email'] },
};

/** Which of `needles` occur in the bytes of the database file and its WAL (UTF-8, as SQLite stores text). */
function foundOnDisk(path: string, needles: readonly string[]): string[] {
  const bytes = [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file));
  return needles.filter((needle) => bytes.some((content) => content.includes(Buffer.from(needle, 'utf8'))));
}

describe('crypto-shredding on disk', () => {
  it('after forgetting a subject and rebuilding the read model, its plaintext and key are in neither the database file nor the WAL', async () => {
    const path = files.file();
    const store = createSqliteStore({ path });
    try {
      const host = store.projections;
      const shredding = withCryptoShredding(store, { personal, keys: documentKeyStore(host), cacheTtlMs: 0 });
      const ann = { name: 'Annabel Quartermaine', email: 'annabel.quartermaine@example.com', newEmail: 'aq-2@example.org' };
      const bob = { name: 'Bartholomew Underwood', email: 'bartholomew.underwood@example.com' };
      await shredding.append('customer-ann', [{ type: 'CustomerRegistered', data: { customerId: 'ann', name: ann.name, email: ann.email, plan: 'gold' } }], 'no_stream');
      await shredding.append('customer-ann', [{ type: 'EmailChanged', data: { customerId: 'ann', email: ann.newEmail } }], 1);
      await shredding.append('customer-bob', [{ type: 'CustomerRegistered', data: { customerId: 'bob', name: bob.name, email: bob.email, plan: 'free' } }], 'no_stream');
      const view = (version: number) =>
        documentProjection<Record<string, unknown>>({
          name: 'customers-view',
          version,
          collection: 'customers',
          documentId: (e) => e.streamId,
          evolve: (doc, e) => ({ ...doc, ...(e.data as Record<string, unknown>) }),
        });
      await createProjectionRunner({ store: shredding, host, projection: view(1), logger: silentLogger }).catchUp();
      const annKey = (await host.documents.get<{ key: string }>(KEY_COLLECTION, 'ann'))!.key;
      const secrets = [ann.name, ann.email, ann.newEmail, annKey];
      // The read model holds plaintext (its latest state: the first email was replaced in the same batch), on disk: the check can see it.
      const written = [ann.name, ann.newEmail, annKey, bob.email];
      expect(foundOnDisk(path, written).sort()).toEqual([...written].sort());

      expect(await shredding.forgetSubject('ann')).toBe(true);
      await createProjectionRunner({ store: shredding, host, projection: view(2), logger: silentLogger }).catchUp();
      await host.transaction((tx) => tx.documents.dropCollection('customers'));
      // Old page images stay in the WAL until it is checkpointed; reclaimSpace checkpoints, vacuums and truncates it.
      await store.reclaimSpace();

      expect(foundOnDisk(path, secrets)).toEqual([]);
      // Bob's data is still there (the bytes really were searched), and Ann's history still replays, redacted.
      expect(foundOnDisk(path, [bob.name, bob.email]).sort()).toEqual([bob.name, bob.email].sort());
      expect(await host.documents.get('customers@v2', 'customer-ann')).toMatchObject({ name: '[redacted]', email: '[redacted]', plan: 'gold' });
      expect((await store.getStreamInfo('customer-ann'))?.version).toBe(2);
    } finally {
      await store.close();
    }
  });
});
