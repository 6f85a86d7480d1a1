import { expect } from 'vitest';
import { documentKeyStore } from '../../privacy/key-store.js';
import { REDACTED, withCryptoShredding, type PersonalDataSpec } from '../../privacy/crypto-shredding.js';
import { documentProjection } from '../../projections/document-projection.js';
import { createProjectionRunner } from '../../projections/projection-runner.js';
import { collect } from '../case.js';
import { quick, type ProjectionCase } from './context.js';

const personal: PersonalDataSpec = {
  CustomerRegistered: { subject: (data) => data.customerId as string, fields: ['name', 'email'] },
  EmailChanged: { subject: (data) => data.customerId as string, fields: ['email'] },
};

/** Crypto-shredding over the store's own key store. */
export const privacyCases: ProjectionCase[] = [
  {
    name: 'crypto-shredding: personal fields are stored encrypted, read decrypted, and redacted everywhere once the subject is forgotten',
    timeoutMs: 30_000,
    async run({ store, host, unique }) {
      const keys = documentKeyStore(host);
      const shredding = withCryptoShredding(store, { personal, keys, cacheTtlMs: 0 });
      const [ann, bob] = [unique('ann'), unique('bob')];
      const annEmail = `${ann}@example.com`;
      const bobEmail = `${bob}@example.com`;
      await shredding.append(`customer-${ann}`, [{ type: 'CustomerRegistered', data: { customerId: ann, name: `Ann ${ann}`, email: annEmail, plan: 'gold' } }], 'no_stream');
      await shredding.append(`customer-${ann}`, [{ type: 'EmailChanged', data: { customerId: ann, email: `new-${annEmail}` } }], 1);
      await shredding.append(`customer-${bob}`, [{ type: 'CustomerRegistered', data: { customerId: bob, name: `Bob ${bob}`, email: bobEmail, plan: 'free' } }], 'no_stream');
      // At rest: no plaintext in the raw events.
      const raw = JSON.stringify(await collect(store.readStream(`customer-${ann}`)));
      expect(raw).not.toContain(annEmail);
      expect(raw).not.toContain(`Ann ${ann}`);
      expect(raw).toContain('gold');
      // Read decrypted.
      const [registered] = await collect(shredding.readStream(`customer-${ann}`));
      expect(registered!.data).toEqual({ customerId: ann, name: `Ann ${ann}`, email: annEmail, plan: 'gold' });
      // A read model built from decrypted events.
      const collection = unique('customers');
      const projection = (version: number) =>
        documentProjection<Record<string, unknown>>({
          name: `${collection}-view`,
          version,
          collection,
          documentId: (e) => e.streamId,
          evolve: (doc, e) => ({ ...doc, ...(e.data as Record<string, unknown>) }),
        });
      await createProjectionRunner({ store: shredding, host, projection: projection(1), ...quick }).catchUp();
      expect(JSON.stringify(await host.documents.find(collection))).toContain(annEmail);
      // Forget Ann.
      expect(await shredding.forgetSubject(ann)).toBe(true);
      const after = await collect(shredding.readStream(`customer-${ann}`));
      expect(after.map((e) => e.data)).toEqual([
        { customerId: ann, name: REDACTED, email: REDACTED, plan: 'gold' },
        { customerId: ann, email: REDACTED },
      ]);
      const global = (await collect(shredding.readAll())).filter((e) => e.streamId === `customer-${ann}`);
      expect(global.map((e) => (e.data as { email: string }).email)).toEqual([REDACTED, REDACTED]);
      // Bob untouched.
      expect((await collect(shredding.readStream(`customer-${bob}`)))[0]!.data).toMatchObject({ email: bobEmail, name: `Bob ${bob}` });
      // Rebuild the read model (version 2 beside version 1, then drop 1): no plaintext of Ann anywhere in it.
      await createProjectionRunner({ store: shredding, host, projection: projection(2), ...quick }).catchUp();
      await host.transaction((tx) => tx.documents.dropCollection(collection));
      const rebuilt = JSON.stringify(await host.documents.find(`${collection}@v2`));
      expect(rebuilt).not.toContain(annEmail);
      expect(rebuilt).not.toContain(`Ann ${ann}`);
      expect(rebuilt).toContain(bobEmail);
      // History intact: the events are all still there, replayable.
      expect((await store.getStreamInfo(`customer-${ann}`))?.version).toBe(2);
      // New personal data for a forgotten subject is refused.
      await expect(shredding.append(`customer-${ann}`, [{ type: 'EmailChanged', data: { customerId: ann, email: 'again@example.com' } }], 2)).rejects.toMatchObject({
        code: 'SUBJECT_FORGOTTEN',
      });
      expect(await shredding.forgetSubject(ann)).toBe(false);
    },
  },
  {
    name: 'crypto-shredding: concurrent first writes for a new subject share one key',
    async run({ store, host, unique }) {
      const shredding = withCryptoShredding(store, { personal, keys: documentKeyStore(host), cacheTtlMs: 0 });
      const subject = unique('sam');
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          shredding.append(`customer-${subject}-${i}`, [{ type: 'CustomerRegistered', data: { customerId: subject, name: `Sam ${i}`, email: `sam${i}@example.com` } }], 'no_stream'),
        ),
      );
      // A fresh wrapper (cold cache) decrypts all of them: they were sealed with the same stored key.
      const reader = withCryptoShredding(store, { personal, keys: documentKeyStore(host), cacheTtlMs: 0 });
      for (let i = 0; i < 8; i++) {
        const [event] = await collect(reader.readStream(`customer-${subject}-${i}`));
        expect((event!.data as { email: string }).email).toBe(`sam${i}@example.com`);
      }
    },
  },
];
