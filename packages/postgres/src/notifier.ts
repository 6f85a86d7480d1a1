/** Tells other processes' subscribers that something was committed. */
export type Notifier = {
  /** Requests a notification: sent at once when none went out recently, else at the end of the interval. */
  readonly poke: () => void;
  /** Sends a requested notification now and resolves when none is in flight (on close). */
  readonly flush: () => Promise<void>;
};

/** Shortest time between two notifications from one store. */
export const NOTIFY_INTERVAL_MS = 10;

/**
 * Sends `NOTIFY` after commits, outside the append transactions, at most once
 * per {@link NOTIFY_INTERVAL_MS}: the first commit after a quiet period is
 * announced at once, commits during the interval share one notification at
 * its end. Subscribers in this process are woken directly, not through here.
 *
 * Why not `pg_notify` inside the append transaction: PostgreSQL (through 17)
 * serializes the commits of notifying transactions on one lock held across
 * the WAL flush, which defeats group commit and halved 8-writer throughput in
 * our measurements; and one NOTIFY per append cost a sequential writer about
 * a third of its throughput on a busy 2-core machine. It is best effort: if
 * the process dies between COMMIT and NOTIFY, other processes' subscribers
 * see the events at their next poll.
 *
 * `notify` sends one notification; the store runs it on its append
 * connections (see `connection-lease.ts`), which keeps notifications off
 * `pg`'s pool: with a pool checkout per notification a sequential writer ran
 * about 8% slower in paired runs.
 */
export function createNotifier(notify: () => Promise<unknown>, intervalMs = NOTIFY_INTERVAL_MS): Notifier {
  let inFlight: Promise<void> | undefined;
  let cooling: NodeJS.Timeout | undefined;
  let requested = false;

  function send(): void {
    requested = false;
    inFlight = notify()
      .then(
        () => undefined,
        () => undefined, // best effort: subscribers fall back to polling
      )
      .finally(() => {
        inFlight = undefined;
        cooling = setTimeout(() => {
          cooling = undefined;
          if (requested) send();
        }, intervalMs);
        cooling.unref();
      });
  }

  return {
    poke() {
      if (inFlight || cooling) requested = true;
      else send();
    },
    async flush() {
      while (inFlight) await inFlight;
      clearTimeout(cooling);
      cooling = undefined;
      if (requested) send();
      while (inFlight) await inFlight;
      clearTimeout(cooling);
      cooling = undefined;
    },
  };
}
