/** How a command handler waits between attempts after a conflict. */
export type RetryPolicy = {
  /** Total attempts including the first (default 5). 1 disables retrying. */
  readonly maxAttempts?: number;
  /** Delay before the first retry in ms (default 2). Doubles per attempt. */
  readonly initialDelayMs?: number;
  /** Upper bound for one delay in ms (default 100). */
  readonly maxDelayMs?: number;
};

/** Delay before retry number `attempt` (1-based): exponential, capped, with full jitter in [50%, 100%]. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs ?? 100, (policy.initialDelayMs ?? 2) * 2 ** (attempt - 1));
  return base * (0.5 + random() / 2);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
