import net from 'node:net';
import { PG_URL } from './pg-test-support.js';

/**
 * A TCP proxy in front of the test PostgreSQL (its `url` names `database`, default the test database's); `cut()` makes
 * the database unreachable through it (refused, open sockets dropped).
 */
export type TcpProxy = { readonly url: string; readonly cut: () => Promise<void> };

export async function pgProxy(database?: string): Promise<TcpProxy> {
  const target = new URL(PG_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(PG_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  if (database) url.pathname = `/${database}`;
  return {
    url: url.toString(),
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
