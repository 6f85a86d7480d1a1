import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duration } from './commands/archive.js';
import { describeError, exitCodes } from './errors.js';
import { StreamNotFoundError } from '@chronicle/core';
import { coldDir, describeTarget, resolveTarget } from './store/open-store.js';
import { stableJson } from './shadow/stable-json.js';

describe('store selection', () => {
  it('prefers --pg, then --db, then CHRONICLE_PG_URL, then $CHRONICLE_DATA_DIR/chronicle.db', () => {
    const env = { CHRONICLE_PG_URL: 'postgres://env/db', CHRONICLE_DATA_DIR: '/data' };
    expect(resolveTarget({ pg: 'postgres://flag/db', db: 'x.db' }, env)).toEqual({ kind: 'postgres', url: 'postgres://flag/db' });
    expect(resolveTarget({ db: 'x.db' }, env)).toEqual({ kind: 'sqlite', path: path.resolve('x.db') });
    expect(resolveTarget({ schema: 's1' }, env)).toEqual({ kind: 'postgres', url: 'postgres://env/db', schema: 's1' });
    expect(resolveTarget({}, { CHRONICLE_DATA_DIR: '/data' })).toEqual({ kind: 'sqlite', path: '/data/chronicle.db' });
    expect(resolveTarget({}, {})).toEqual({ kind: 'sqlite', path: path.resolve('data/chronicle.db') });
  });

  it('--nats or CHRONICLE_NATS_URL selects NATS JetStream; both store URLs in the environment are refused', () => {
    const nats = { kind: 'nats', servers: ['nats://a:4222', 'nats://b:4222'], stream: 'CHRONICLE' };
    expect(resolveTarget({ nats: 'nats://a:4222, nats://b:4222' }, {})).toEqual(nats);
    expect(resolveTarget({}, { CHRONICLE_NATS_URL: 'nats://a:4222,nats://b:4222' })).toEqual(nats);
    expect(resolveTarget({ natsStream: 'S' }, { CHRONICLE_NATS_URL: 'nats://a' })).toMatchObject({ stream: 'S' });
    expect(resolveTarget({}, { CHRONICLE_NATS_URL: 'nats://a', CHRONICLE_NATS_STREAM: 'T' })).toMatchObject({ stream: 'T' });
    const both = { CHRONICLE_PG_URL: 'postgres://h/db', CHRONICLE_NATS_URL: 'nats://a' };
    expect(() => resolveTarget({}, both)).toThrow('CHRONICLE_PG_URL and CHRONICLE_NATS_URL are both set');
    expect(resolveTarget({ db: 'x.db' }, both)).toEqual({ kind: 'sqlite', path: path.resolve('x.db') });
    expect(() => resolveTarget({ nats: 'http://a' }, {})).toThrow('nats:// or tls://');
    expect(describeTarget({ kind: 'nats', servers: ['nats://u:pw@a:4222'], stream: 'S' })).toBe('nats://u@a:4222 (stream S)');
  });

  it('never prints a password, and finds the archive beside the SQLite file', () => {
    expect(describeTarget({ kind: 'postgres', url: 'postgres://u:secret@h:5432/db', schema: 's' })).toBe('postgres://u@h:5432/db (schema s)');
    expect(coldDir({ kind: 'sqlite', path: '/d/x.db' }, undefined)).toBe('/d/cold');
    expect(coldDir({ kind: 'postgres', url: 'postgres://h/db' }, undefined, { CHRONICLE_DATA_DIR: '/data' })).toBe('/data/cold');
  });
});

describe('helpers', () => {
  it('parses durations and refuses anything else', () => {
    expect([duration('90d'), duration('12h'), duration('30m'), duration('45s')]).toEqual([90 * 86_400_000, 12 * 3_600_000, 30 * 60_000, 45_000]);
    expect(() => duration('1 year')).toThrow('expected a duration like 90d');
  });

  it('maps typed store errors to exit code 3 with their code', () => {
    expect(describeError(new StreamNotFoundError('s'))).toEqual({ message: 'STREAM_NOT_FOUND: stream "s" not found', exitCode: exitCodes.store });
    expect(describeError(new Error('boom\nstack'))).toEqual({ message: 'boom', exitCode: exitCodes.internal });
  });

  it('compares states whatever their key order', () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 1, x: 2 }], c: 2 } })).toBe(stableJson({ a: { c: 2, d: [1, { x: 2, y: 1 }] }, b: 1 }));
  });
});
