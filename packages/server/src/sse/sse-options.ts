import type { ConnectionLimits } from './sse-connection.js';

/** Bounds of `GET /v1/subscribe`. */
export type SseOptions = Partial<ConnectionLimits> & {
  /** Open subscriptions at most; past it the server answers 503 `TOO_MANY_SUBSCRIBERS` (default 1,000). */
  readonly maxSubscribers?: number;
  /** `Retry-After` of that 503, in seconds (default 5). */
  readonly retryAfterSeconds?: number;
};

/** {@link SseOptions} with every default filled in. */
export type ResolvedSseOptions = ConnectionLimits & { readonly maxSubscribers: number; readonly retryAfterSeconds: number };

/** The defaults: 1,000 subscribers, 1 MiB queued per client, 30 s of a full socket, a ping every 15 s. */
export const defaultSseOptions: ResolvedSseOptions = {
  maxSubscribers: 1_000,
  bufferBytes: 1024 * 1024,
  stallTimeoutMs: 30_000,
  heartbeatMs: 15_000,
  retryAfterSeconds: 5,
};

/** Fills in defaults; throws on a value that cannot be honoured. */
export function resolveSseOptions(options: SseOptions = {}): ResolvedSseOptions {
  const resolved = { ...defaultSseOptions, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < (name === 'maxSubscribers' ? 0 : 1)) {
      throw new Error(`sse.${name} must be an integer >= ${name === 'maxSubscribers' ? 0 : 1}, got ${String(value)}`);
    }
  }
  return resolved;
}
