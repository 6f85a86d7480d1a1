/**
 * A stream's last commit: its version, the commit's stream sequence, and the
 * lifecycle every commit carries forward (see `commit.ts`).
 */
export type StreamHead = {
  readonly version: number;
  readonly sequence: number;
  /** First position after the newest soft-delete marker (0: never soft-deleted). */
  readonly liveFrom: number;
  readonly tombstone: boolean;
  /** Sequence of the stream's metadata commit (0: none). */
  readonly meta: number;
};

/** The head of a stream with no events: `Nats-Expected-Last-Subject-Sequence: 0`. */
export const EMPTY_HEAD: StreamHead = { version: 0, sequence: 0, liveFrom: 0, tombstone: false, meta: 0 };

/** The version appends check expectations against: 0 while the stream is soft-deleted (it counts as absent). */
export function liveVersion(head: StreamHead): number {
  return head.version < head.liveFrom ? 0 : head.version;
}

/**
 * Remembers the newest head seen per stream, so an append at the version just
 * read needs no lookup. Entries are facts ("the commit at sequence s ends at
 * version v"), never wrong, only possibly outdated: the server's expected-last-
 * sequence check catches an outdated one. Bounded, least recently used first out.
 */
export class HeadCache {
  readonly #heads = new Map<string, StreamHead>();

  constructor(readonly capacity = 10_000) {}

  get(streamId: string): StreamHead | undefined {
    const head = this.#heads.get(streamId);
    if (head) {
      this.#heads.delete(streamId);
      this.#heads.set(streamId, head);
    }
    return head;
  }

  /** Records `head` unless a newer one is known. */
  remember(streamId: string, head: StreamHead): void {
    const known = this.#heads.get(streamId);
    if (known && known.sequence > head.sequence) return;
    this.#heads.delete(streamId);
    this.#heads.set(streamId, head);
    if (this.#heads.size > this.capacity) this.#heads.delete(this.#heads.keys().next().value as string);
  }
}
