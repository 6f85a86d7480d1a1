import type { ServerResponse } from 'node:http';

const PING = Buffer.from(': ping\n\n');

/** Why a connection ended (the label of `chronicle_sse_disconnects_total`). */
export type DisconnectReason = 'client' | 'overflow' | 'stalled' | 'shutdown' | 'store-closed' | 'error';

/** Limits of one connection. */
export type ConnectionLimits = {
  /** Bytes queued for a client that is not reading, past which it is disconnected. */
  readonly bufferBytes: number;
  /** How long a client may leave its socket full before it is disconnected, in ms. */
  readonly stallTimeoutMs: number;
  /** Interval of the `: ping` comment that keeps proxies from closing an idle stream, in ms. */
  readonly heartbeatMs: number;
};

/**
 * One Server-Sent Events response with a bounded buffer. Writes go straight
 * to the socket while it accepts them; once it is full (a client that does
 * not read), messages queue up to `bufferBytes`. Past that, or when the socket
 * stays full for `stallTimeoutMs`, the connection is destroyed: the client
 * can come back with `Last-Event-ID` (messages are whole, so its last id is
 * the last message it got). However it ends, `onClose` runs once, at once.
 */
export class SseConnection {
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #paused = false;
  #closed = false;
  #reason: DisconnectReason | undefined;
  #stall: NodeJS.Timeout | undefined;
  #writableWaiters: ((open: boolean) => void)[] = [];
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    private readonly limits: ConnectionLimits,
    onClose: (reason: DisconnectReason) => void,
  ) {
    response.on('drain', () => this.#drained());
    // 'close' comes for every ending: the client leaving, destroy(), end() once flushed, a socket error.
    response.on('close', () => {
      this.#closed = true;
      clearInterval(this.#heartbeat);
      clearTimeout(this.#stall);
      this.#queue = [];
      this.#queuedBytes = 0;
      for (const wake of this.#writableWaiters.splice(0)) wake(false);
      onClose(this.#reason ?? 'client');
    });
    response.on('error', () => undefined);
    this.#heartbeat = setInterval(() => this.send([PING]), limits.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** True once the response ended or was destroyed. */
  get closed(): boolean {
    return this.#closed || this.response.destroyed;
  }

  /** True while the socket is full and messages queue. */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Sends whole messages (the buffers are sent as they are, not copied: they
   * may be shared with other connections). Returns false when the connection
   * is closed, or was closed now because the client's buffer overflowed.
   */
  send(chunks: readonly Buffer[]): boolean {
    if (this.closed) return false;
    if (chunks.length === 0) return true;
    if (this.#paused) {
      const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      // One send of any size may wait on an empty queue; beyond the limit the client is too far behind.
      if (this.#queuedBytes > 0 && this.#queuedBytes + bytes > this.limits.bufferBytes) {
        this.destroy('overflow');
        return false;
      }
      this.#queue.push(...chunks);
      this.#queuedBytes += bytes;
      return true;
    }
    this.#write(chunks);
    return true;
  }

  /** Resolves true once the socket accepts writes again, false if the connection closed first. */
  writable(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!this.#paused) return Promise.resolve(true);
    return new Promise((resolve) => this.#writableWaiters.push(resolve));
  }

  /** Ends the stream gracefully (the client reconnects); destroys it if it is too far behind to take the end. */
  end(reason: DisconnectReason): void {
    if (this.closed) return;
    this.#reason ??= reason;
    if (this.#paused) this.destroy(reason);
    else this.response.end();
  }

  /** Drops the connection now. */
  destroy(reason: DisconnectReason): void {
    if (this.closed) return;
    this.#reason ??= reason;
    this.response.destroy();
  }

  #write(chunks: readonly Buffer[]): void {
    // Corked, the chunks go out in one writev; they are shared buffers, not copies.
    this.response.cork();
    let open = true;
    for (const chunk of chunks) open = this.response.write(chunk);
    this.response.uncork();
    if (!open && !this.closed) {
      this.#paused = true;
      this.#stall = setTimeout(() => this.destroy('stalled'), this.limits.stallTimeoutMs);
      this.#stall.unref();
    }
  }

  #drained(): void {
    if (this.closed) return;
    clearTimeout(this.#stall);
    this.#paused = false;
    const queued = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (queued.length > 0) this.#write(queued);
    if (!this.#paused) for (const wake of this.#writableWaiters.splice(0)) wake(true);
  }
}
