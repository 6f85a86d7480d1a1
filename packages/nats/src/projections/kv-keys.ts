/**
 * Keys of the projection host's JetStream KV bucket. A key is dot-separated
 * tokens; names and ids are encoded per token so that any string fits the
 * KV key alphabet (`A-Z a-z 0-9 - _`, everything else, `=` included, as `=XX`
 * per UTF-8 byte): injective, and plain ids stay readable in `nats kv ls`.
 */
export function keyToken(text: string): string {
  if (text === '') return '=';
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of {@link keyToken}. */
export function tokenText(token: string): string {
  if (token === '=') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The host's key families. */
export const keys = {
  document: (collection: string, id: string) => `d.${keyToken(collection)}.${keyToken(id)}`,
  collection: (collection: string) => `d.${keyToken(collection)}.>`,
  checkpoint: (name: string) => `cp.${keyToken(name)}`,
  allCheckpoints: 'cp.>',
  lease: (name: string) => `lease.${keyToken(name)}`,
  parked: (consumer: string, eventId: string) => `park.${keyToken(consumer)}.${keyToken(eventId)}`,
  parkedOf: (consumer: string | undefined) => (consumer === undefined ? 'park.>' : `park.${keyToken(consumer)}.>`),
  outbox: (topic: string, id: string) => `ob.${keyToken(topic)}.${id}`,
  allOutbox: 'ob.>',
} as const;

/** The last token of a key (a document id, a checkpoint name, ...), decoded. */
export function lastToken(key: string): string {
  return tokenText(key.slice(key.lastIndexOf('.') + 1));
}
