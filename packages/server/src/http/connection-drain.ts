import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Closes a server's connections when it stops. */
export type ConnectionDrain = {
  /**
   * Closes every connection with no request in flight now (idle keep-alive
   * ones, and ones that never sent a request, which Node's own
   * `server.close()` leaves open), each other one as soon as its last
   * response is done, and whatever is left after `graceMs`.
   */
  drain(graceMs: number): void;
  /** Stops the grace timer (the server closed). */
  stop(): void;
};

/** Tracks requests in flight per connection of `server`, from now on. */
export function trackConnections(server: Server): ConnectionDrain {
  const inFlight = new Map<Socket, number>();
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket: Socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      // A response open until its socket closed (an event stream) ends after the socket left the map:
      // putting it back would keep the socket, and all it holds, for the server's life.
      if (!inFlight.has(socket)) return;
      const left = inFlight.get(socket)! - 1;
      inFlight.set(socket, left);
      // The response is out (or the client left): a FIN, not a reset, so the client reads it whole.
      if (draining && left === 0) socket.end();
    });
  });
  return {
    drain(graceMs) {
      draining = true;
      for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
      timer = setTimeout(() => {
        for (const socket of inFlight.keys()) socket.destroy();
      }, graceMs);
      timer.unref();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
