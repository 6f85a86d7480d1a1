import { randomBytes } from 'node:crypto';
import { DomainError } from '../errors/errors.js';
import type { ProjectionHost } from '../projections/host.js';

/** Where per-subject encryption keys live. Deleting a key forgets the subject. */
export interface KeyStore {
  /** The subject's key, or undefined when there is none (never created, or forgotten). */
  get(subject: string): Promise<Buffer | undefined>;
  /** The subject's key, created on first use (atomically: concurrent callers get the same key). */
  getOrCreate(subject: string): Promise<Buffer>;
  /** Deletes the key for good. Returns false when there was none. */
  delete(subject: string): Promise<boolean>;
  /** True when the subject was forgotten (its key deleted). */
  isForgotten(subject: string): Promise<boolean>;
}

/** Collection holding keys in the store's own database. */
export const KEY_COLLECTION = '$keys';
const FORGOTTEN_COLLECTION = '$forgotten';

type StoredKey = { readonly key: string; readonly createdAt: string };

/**
 * Keys kept in the store's own database (a collection of its documents), the
 * default key store: one place to back up, transactions included. A forgotten
 * subject keeps a tombstone (no key material) so that a late writer cannot
 * silently create a fresh key and resurrect it.
 */
export function documentKeyStore(host: Pick<ProjectionHost<unknown>, 'transaction' | 'documents'>): KeyStore {
  return {
    async get(subject) {
      const stored = await host.documents.get<StoredKey>(KEY_COLLECTION, subject);
      return stored ? Buffer.from(stored.key, 'base64') : undefined;
    },
    async getOrCreate(subject) {
      const existing = await host.documents.get<StoredKey>(KEY_COLLECTION, subject);
      if (existing) return Buffer.from(existing.key, 'base64');
      if (await host.documents.get(FORGOTTEN_COLLECTION, subject)) throw new SubjectForgottenError(subject);
      const candidate: StoredKey = { key: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() };
      await host.transaction((tx) => tx.documents.create(KEY_COLLECTION, subject, candidate));
      // Whoever won the race, everyone uses the stored key.
      const stored = await host.documents.get<StoredKey>(KEY_COLLECTION, subject);
      if (!stored) throw new SubjectForgottenError(subject);
      return Buffer.from(stored.key, 'base64');
    },
    async delete(subject) {
      return host.transaction(async (tx) => {
        const existed = (await tx.documents.get(KEY_COLLECTION, subject)) !== undefined;
        await tx.documents.delete(KEY_COLLECTION, subject);
        await tx.documents.put(FORGOTTEN_COLLECTION, subject, { forgottenAt: new Date().toISOString() });
        return existed;
      });
    },
    async isForgotten(subject) {
      return (await host.documents.get(FORGOTTEN_COLLECTION, subject)) !== undefined;
    },
  };
}

/** Writing personal data of a subject that was forgotten. */
export class SubjectForgottenError extends DomainError {
  constructor(readonly subject: string) {
    super('SUBJECT_FORGOTTEN', `subject ${subject} was forgotten; new personal data for it is refused`);
  }
}
