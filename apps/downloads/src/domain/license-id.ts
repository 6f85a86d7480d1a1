import { createHash, randomUUID } from 'node:crypto';

/**
 * The license id of an acquisition: derived from its Idempotency-Key when it
 * has one (a UUID-shaped hash), else random. So every instance that answers
 * one keyed request — normally, or by the fallback while the store is down,
 * behind a load balancer that sent the retry elsewhere — grants the same
 * license, and reconciling the fallback grants can recognise it.
 */
export function licenseIdFor(idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const hex = createHash('sha256').update(`license:${idempotencyKey}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const version = `5${hex.slice(13, 16)}`;
  return [hex.slice(0, 8), hex.slice(8, 12), version, `${variant}${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}
