import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { ServerContext } from '@chronicle/server';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { buildCommand, defaultBundleDir, hasBundle } from './bundle.js';

declare module 'fastify' {
  interface FastifySchema {
    /** Keeps a route out of the OpenAPI document (read by @fastify/swagger, which the server registers). */
    hide?: boolean;
  }
}

/** Options of {@link explorerPlugin}. */
export type ExplorerOptions = {
  /** Folder of the built app (default: this package's `dist/ui`). */
  readonly bundleDir?: string;
};

/** A server plugin, as `createServer({ plugins })` and `createDownloadsApp({ plugins })` take it. */
export type ExplorerPlugin = (app: FastifyInstance, context: ServerContext) => Promise<void>;

/** The path the explorer is served under. */
export const EXPLORER_PATH = '/explorer';

// The app loads nothing from elsewhere: everything is in the bundle, and it speaks only to this server.
const contentSecurityPolicy = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

function missingBundlePage(): string {
  return `<!doctype html><meta charset="utf-8"><title>Chronicle Explorer</title>
<body style="font:16px system-ui;margin:3rem;max-width:40rem">
<h1>The explorer is not built</h1>
<p>The server found no bundle. Build it once with <code>${buildCommand}</code> (a plain <code>npm install</code> builds it too), then restart the server.</p>`;
}

/**
 * Serves the Chronicle Explorer, a single-page app, at `/explorer`: hashed
 * assets under `/explorer/assets/` (cached for a year), and `index.html` for
 * every other path below `/explorer/` so that client routes survive a reload.
 * The app reads the server's `/v1` API from the same origin and is read-only
 * unless a token is entered in it (which only unlocks projection rebuilds).
 *
 * @example
 * const { app } = await createServer({ store, auth, plugins: [explorerPlugin()] });
 * // open http://127.0.0.1:3000/explorer/
 */
export function explorerPlugin(options: ExplorerOptions = {}): ExplorerPlugin {
  const dir = options.bundleDir ?? defaultBundleDir;
  return async (app) => {
    const built = hasBundle(dir);
    if (!built) app.log.warn({ bundleDir: dir }, `explorer bundle missing: run ${buildCommand}`);
    await app.register(async (scope) => {
      const hide = { schema: { hide: true } };
      if (built) {
        await scope.register(fastifyStatic, {
          root: path.join(dir, 'assets'),
          prefix: `${EXPLORER_PATH}/assets/`,
          decorateReply: false,
          index: false,
          immutable: true,
          maxAge: '365d',
        });
      }
      const sendIndex = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> => {
        reply.header('cache-control', 'no-cache').header('content-security-policy', contentSecurityPolicy).type('text/html; charset=utf-8');
        if (!built) return reply.code(503).send(missingBundlePage());
        return reply.send(await readFile(path.join(dir, 'index.html'), 'utf8'));
      };
      scope.get(EXPLORER_PATH, hide, async (_request, reply) => reply.redirect(`${EXPLORER_PATH}/`));
      scope.get(`${EXPLORER_PATH}/*`, hide, sendIndex);
    });
  };
}
