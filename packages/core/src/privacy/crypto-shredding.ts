import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors/errors.js';
import type { NewEvent, RecordedEvent } from '../events/event.js';
import type { EventStore, StreamAppend } from '../store/event-store.js';
import type { KeyStore } from './key-store.js';

/** Which fields of an event type are personal, and whose. */
export type PersonalFields = {
  /** The data subject (an opaque id, not itself personal data) the fields belong to. */
  readonly subject: (data: Record<string, unknown>) => string | undefined;
  /** Top-level data fields to encrypt. */
  readonly fields: readonly string[];
};

/** Personal fields by event type. */
export type PersonalDataSpec = Readonly<Record<string, PersonalFields>>;

/** What a forgotten subject's personal fields read as. */
export const REDACTED = '[redacted]';

/** An encrypted field as stored: `{ "$pii": 1, "s": subject, "c": base64(iv | tag | ciphertext) }`. */
type Sealed = { readonly $pii: 1; readonly s: string; readonly c: string };

function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && (value as Sealed).$pii === 1 && typeof (value as Sealed).c === 'string';
}

function seal(key: Buffer, subject: string, value: unknown): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subject));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value) ?? 'null', 'utf8'), cipher.final()]);
  return { $pii: 1, s: subject, c: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64') };
}

function open(key: Buffer, sealed: Sealed): unknown {
  const raw = Buffer.from(sealed.c, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(sealed.s));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as unknown;
}

/** A cache of keys per subject; forgotten subjects are cached as missing. */
class KeyCache {
  readonly #entries = new Map<string, { key: Buffer | undefined; at: number }>();
  constructor(private readonly keys: KeyStore, private readonly ttlMs: number) {}

  async get(subject: string): Promise<Buffer | undefined> {
    const cached = this.#entries.get(subject);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.key;
    const key = await this.keys.get(subject);
    this.#entries.set(subject, { key, at: Date.now() });
    return key;
  }

  async getOrCreate(subject: string): Promise<Buffer> {
    const cached = await this.get(subject);
    if (cached) return cached;
    const key = await this.keys.getOrCreate(subject);
    this.#entries.set(subject, { key, at: Date.now() });
    return key;
  }

  forget(subject: string): void {
    this.#entries.set(subject, { key: undefined, at: Date.now() });
  }
}

/** Options of {@link withCryptoShredding}. */
export type CryptoShreddingOptions = {
  readonly personal: PersonalDataSpec;
  readonly keys: KeyStore;
  /** How long a key (or its absence) is cached; another process forgetting a subject is seen within this time. Default 30 s. */
  readonly cacheTtlMs?: number;
};

/** A store that encrypts personal fields and can forget subjects. */
export type ShreddingStore<S extends EventStore> = S & {
  /** Deletes the subject's key: its personal fields read as {@link REDACTED} everywhere, history stays intact. */
  forgetSubject(subject: string): Promise<boolean>;
};

/**
 * Crypto-shredding: personal fields are encrypted with a per-subject key
 * (AES-256-GCM) before they reach the store; every read path decrypts them,
 * or — once the subject is forgotten and its key deleted — returns
 * {@link REDACTED} in their place. Events are never rewritten, so history
 * stays complete and replayable; read models rebuilt after forgetting contain
 * no plaintext. Events appended before the wrapper existed are read as stored.
 */
export function withCryptoShredding<S extends EventStore>(store: S, options: CryptoShreddingOptions): ShreddingStore<S> {
  const cache = new KeyCache(options.keys, options.cacheTtlMs ?? 30_000);

  async function encrypt(events: readonly NewEvent[]): Promise<readonly NewEvent[]> {
    // Malformed input goes through unchanged, for the store's own validation to refuse.
    if (!Array.isArray(events)) return events;
    return Promise.all(
      events.map(async (event, index) => {
        const spec = options.personal[event?.type];
        if (!spec || typeof event.data !== 'object' || event.data === null) return event;
        const data = event.data as Record<string, unknown>;
        const subject = spec.subject(data);
        if (subject === undefined) return event;
        if (typeof subject !== 'string' || subject === '') throw ValidationError.of(`events[${index}].data`, 'personal data needs a subject id');
        const key = await cache.getOrCreate(subject);
        const sealed: Record<string, unknown> = { ...data };
        for (const field of spec.fields) if (field in data && data[field] !== undefined) sealed[field] = seal(key, subject, data[field]);
        return { ...event, data: sealed };
      }),
    );
  }

  async function decrypt(event: RecordedEvent): Promise<RecordedEvent> {
    if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) return event;
    const data = event.data as Record<string, unknown>;
    let opened: Record<string, unknown> | undefined;
    for (const [field, value] of Object.entries(data)) {
      if (!isSealed(value)) continue;
      opened ??= { ...data };
      const key = await cache.get(value.s);
      opened[field] = key ? open(key, value) : REDACTED;
    }
    return opened ? { ...event, data: opened } : event;
  }

  async function* decryptAll(source: AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
    for await (const event of source) yield decrypt(event);
  }

  const wrapped: Partial<ShreddingStore<EventStore>> = {
    append: async (streamId, events, expected) => {
      const result = await store.append(streamId, await encrypt(events), expected);
      return { ...result, events: await Promise.all(result.events.map(decrypt)) };
    },
    appendMulti: async (appends: readonly StreamAppend[]) => {
      const sealed = Array.isArray(appends) ? await Promise.all(appends.map(async (a) => ({ ...a, events: await encrypt(a?.events) }))) : appends;
      const results = await store.appendMulti(sealed);
      return Promise.all(results.map(async (r) => ({ ...r, events: await Promise.all(r.events.map(decrypt)) })));
    },
    readStream: (streamId, readOptions) => decryptAll(store.readStream(streamId, readOptions)),
    readAll: (readOptions) => decryptAll(store.readAll(readOptions)),
    subscribe: (subscribeOptions) => decryptAll(store.subscribe(subscribeOptions)),
    forgetSubject: async (subject) => {
      const existed = await options.keys.delete(subject);
      cache.forget(subject);
      return existed;
    },
  };
  return new Proxy(store, {
    get(target, property) {
      if (property in wrapped) return wrapped[property as keyof typeof wrapped];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as ShreddingStore<S>;
}
