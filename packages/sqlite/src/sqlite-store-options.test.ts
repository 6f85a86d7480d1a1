import { describe, expect, it } from 'vitest';
import { resolveOptions, type SqliteStoreOptions } from './sqlite-store-options.js';

describe('sqlite store options', () => {
  it('fills in durable defaults', () => {
    const resolved = resolveOptions({ path: 'data/chronicle.db' });
    expect(resolved).toMatchObject({ path: 'data/chronicle.db', synchronous: 'FULL', busyTimeoutMs: 10_000, maxEventBytes: 1024 * 1024, pollIntervalMs: 200, onAppend: [], projections: [] });
    expect(resolved.clock()).toBeInstanceOf(Date);
  });

  it.each<[string, unknown]>([
    ['path', { path: '' }],
    ['path', {}],
    ['synchronous', { path: 'x.db', synchronous: 'OFF' }],
    ['busyTimeoutMs', { path: 'x.db', busyTimeoutMs: -1 }],
    ['maxEventBytes', { path: 'x.db', maxEventBytes: 0 }],
    ['pollIntervalMs', { path: 'x.db', pollIntervalMs: 1.5 }],
    ['onAppend', { path: 'x.db', onAppend: ['not a function'] }],
    ['projections', { path: 'x.db', projections: [{ name: 'p' }] }],
    ['projections', { path: 'x.db', projections: 'p' }],
  ])('rejects a bad %s with VALIDATION_FAILED', (field, options) => {
    expect(() => resolveOptions(options as SqliteStoreOptions)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: field })] }),
    );
  });
});
