import { isChronicleError } from '@chronicle/core';

/** A lasting store problem that `/health` reports as `degraded`. */
export type StoreProblem = { readonly code: string; readonly detail: string; readonly since: string };

/**
 * What the server has learned about its store beyond "it answers": once a
 * request meets a damaged page (`STORE_CORRUPT`), the store stays degraded
 * until the server restarts, since damage does not heal (reads of other
 * pages still work).
 */
export type StoreHealth = {
  /** Records `error` if it is a lasting store problem. */
  note(error: unknown): void;
  /** The lasting problems seen, oldest first. */
  problems(): readonly StoreProblem[];
};

/** A health record with nothing noted. */
export function createStoreHealth(): StoreHealth {
  let corrupt: StoreProblem | undefined;
  return {
    note(error) {
      if (!corrupt && isChronicleError(error, 'STORE_CORRUPT')) corrupt = { code: 'STORE_CORRUPT', detail: error.message, since: new Date().toISOString() };
    },
    problems: () => (corrupt ? [corrupt] : []),
  };
}
