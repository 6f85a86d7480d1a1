import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInMemoryStore } from '@chronicle/core';
import { createServer } from '@chronicle/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from './bundle.js';
import { explorerPlugin, type ExplorerOptions } from './explorer-plugin.js';
import { ensureBundle } from './testing/ensure-bundle.js';

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());
beforeAll(() => ensureBundle(), 120_000);

async function serve(options?: ExplorerOptions): Promise<string> {
  ({ app } = await createServer({ store: createInMemoryStore(), auth: { token: 't' }, plugins: [explorerPlugin(options)] }));
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('explorerPlugin', () => {
  it('serves the app at /explorer/, and index.html for every client route below it', async () => {
    const url = await serve();
    const redirect = await fetch(`${url}/explorer`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/explorer/');
    for (const route of ['/explorer/', '/explorer/streams/license-1/time-travel?version=2', '/explorer/customers/bailey', '/explorer/streams/a%2Fb']) {
      const page = await fetch(`${url}${route}`);
      expect(page.status, route).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      expect(html).toMatch(/src="\/explorer\/assets\/index-[\w-]+\.js"/);
    }
  });

  it('serves hashed assets for a year, with no reference to another origin', async () => {
    const url = await serve();
    const html = await (await fetch(`${url}/explorer/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/explorer\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const response = await fetch(`${url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control')).toContain('immutable');
    }
    expect(html).not.toMatch(/https?:\/\//);
    for (const file of readdirSync(path.join(defaultBundleDir, 'assets')).filter((f) => f.endsWith('.js') || f.endsWith('.css'))) {
      const text = await (await fetch(`${url}/explorer/assets/${file}`)).text();
      // No fonts, scripts or styles from a CDN: the bundle works offline.
      expect(text, file).not.toMatch(/(?:src|href|url\()\s*=?\s*["']?https?:\/\/(?!www\.w3\.org)/);
    }
    const missing = await fetch(`${url}/explorer/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('leaves the API alone and stays out of the OpenAPI document', async () => {
    const url = await serve();
    expect((await fetch(`${url}/v1/streams`)).status).toBe(200);
    const spec = (await (await fetch(`${url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).filter((p) => p.startsWith('/explorer'))).toEqual([]);
  });

  it('explains how to build the bundle when it is missing', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'explorer-nobundle-'));
    try {
      const url = await serve({ bundleDir: empty });
      const page = await fetch(`${url}/explorer/`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build -w @chronicle/explorer');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
