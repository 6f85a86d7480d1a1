import { createInMemoryStore, type EventStore } from '@chronicle/core';
import type { FastifyInstance } from 'fastify';
import { createServer, type ServerOptions } from './create-server.js';
import { recordContract, type ContractRecorder } from './testing/contract.js';

/** A started server on a random loopback port, for tests. */
export type TestServer = {
  readonly url: string;
  readonly token: string;
  readonly store: EventStore;
  readonly app: FastifyInstance;
  /** Every response checked against the server's OpenAPI document; `close` fails on a response it does not describe. */
  readonly contract: ContractRecorder;
  /** fetch relative to the server, JSON in and out. */
  request(method: string, path: string, options?: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
};

/**
 * Starts a server listening on 127.0.0.1 with an ephemeral port. Every
 * response is checked against its OpenAPI document (unless `docs: false`).
 */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const store = options.store ?? createInMemoryStore();
  const token = 'test-token';
  const { app } = await createServer({ logger: false, ...options, store, auth: { token, ...options.auth } });
  const contract = recordContract(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    token,
    store,
    app,
    contract,
    async request(method, path, { body, rawBody, token: given = token, headers = {} } = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(given ? { authorization: `Bearer ${given}` } : {}),
          ...headers,
        },
        ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (metrics, docs)
      }
      return { status: response.status, headers: response.headers, body: parsed as any };
    },
    async close() {
      await app.close();
      await store.close();
      contract.assertClean();
    },
  };
}
