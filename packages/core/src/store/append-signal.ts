/**
 * Wakes readers waiting for new events. Adapters call `notify()` after every
 * commit they know of; readers take a `ticket()` before reading and, when the
 * read came back empty, `wait(ticket)`, which returns at once if anything was
 * committed since the ticket (no lost wake-ups), otherwise on the next notify,
 * the poll timeout (for commits by other processes) or abort.
 */
export class AppendSignal {
  #generation = 0;
  #waiters = new Set<() => void>();

  /** Current generation; pass to {@link wait}. */
  ticket(): number {
    return this.#generation;
  }

  /** Wakes every waiter. */
  notify(): void {
    this.#generation++;
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves when a notify happened after `ticket`, after `timeoutMs`, or on abort. */
  wait(ticket: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#generation !== ticket || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}
