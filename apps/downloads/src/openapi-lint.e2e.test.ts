import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInMemoryStore, silentLogger } from '@chronicle/core';
import { explorerPlugin } from '@chronicle/explorer';
import { createServer } from '@chronicle/server';
import { createConfig, getTotals, lintFromString } from '@redocly/openapi-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createDownloadsApp } from './app.js';
import { defaultRules } from './rules.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'downloads-openapi-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Redocly's `recommended` ruleset (what `redocly lint` runs by default), offline. */
async function lint(document: unknown): Promise<{ errors: number; warnings: number; report: string }> {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
  const totals = getTotals(problems);
  const report = problems
    .map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`)
    .join('\n');
  return { errors: totals.errors, warnings: totals.warnings, report };
}

describe('the OpenAPI document passes a standard linter (Redocly, recommended rules)', () => {
  it('of the Downloads service with the explorer, as `npm start` serves it: 0 errors, 0 warnings', async () => {
    const store = createInMemoryStore();
    const downloads = await createDownloadsApp({
      store,
      token: 't',
      dataDir,
      rulesSeed: defaultRules,
      appLogger: silentLogger,
      plugins: [explorerPlugin()],
    });
    try {
      await downloads.app.ready();
      const document = downloads.app.swagger() as unknown as {
        paths: Record<string, Record<string, { responses: object }>>;
      };
      const result = await lint(document);
      console.log(
        `[openapi] Downloads document: ${Object.keys(document.paths).length} paths, ${result.errors} errors, ${result.warnings} warnings`,
      );
      expect(result.report).toBe('');
      // Every operation documents a success status and the statuses the server answers anywhere.
      for (const [route, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const statuses = Object.keys(operation.responses);
          expect(
            statuses.some((status) => status.startsWith('2')),
            `${method} ${route}: ${statuses}`,
          ).toBe(true);
          for (const status of ['400', '405', '414', '431', '503'])
            expect(statuses, `${method} ${route}`).toContain(status);
          if (method !== 'get')
            for (const status of ['413', '415']) expect(statuses, `${method} ${route}`).toContain(status);
        }
      }
      expect(document.paths['/v1/streams/{streamId}/metadata']).toMatchObject({
        get: { responses: { 200: {} } },
        put: { responses: { 200: {} } },
      });
      expect(document.paths['/v1/streams']!.get!.responses).toHaveProperty('400');
    } finally {
      await downloads.close();
      await store.close();
    }
  });

  it('of a bare server whose reads need the token: 0 errors, 0 warnings, 401 on reads', async () => {
    const store = createInMemoryStore();
    const { app } = await createServer({ store, auth: { token: 't', readsRequireToken: true }, logger: false });
    try {
      await app.ready();
      const document = app.swagger() as unknown as {
        paths: Record<string, Record<string, { responses: object; security: unknown }>>;
      };
      const result = await lint(document);
      expect(result.report).toBe('');
      expect(document.paths['/v1/all']!.get!.security).toEqual([{ bearer: [] }]);
      expect(document.paths['/v1/all']!.get!.responses).toHaveProperty('401');
    } finally {
      await app.close();
      await store.close();
    }
  });
});
