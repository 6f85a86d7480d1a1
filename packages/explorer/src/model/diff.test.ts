import { describe, expect, it } from 'vitest';
import { diffJson, sameJson, summarize, type DiffNode } from './diff.js';

/** Flattens a diff to `path status` lines, for readable expectations. */
function lines(node: DiffNode, path = '$'): string[] {
  if (node.kind === 'leaf') return [`${path} ${node.status}`];
  return node.entries.flatMap((entry) => lines(entry.node, `${path}.${entry.key}`));
}

describe('diffJson', () => {
  it('marks added, removed, changed and unchanged fields of a license as it is renewed then released', () => {
    const renewed = { status: 'active', expiresAt: '2026-02-01', renewals: 1, devices: ['phone'] };
    const released = { status: 'released', expiresAt: '2026-02-01', renewals: 1, releasedAt: '2026-01-20', devices: ['phone', 'tablet'] };
    const diff = diffJson(renewed, released);
    expect(diff.status).toBe('changed');
    expect(lines(diff)).toEqual([
      '$.status changed',
      '$.expiresAt unchanged',
      '$.renewals unchanged',
      '$.releasedAt added',
      '$.devices.0 unchanged',
      '$.devices.1 added',
    ]);
    expect(summarize(diff)).toEqual({ added: 2, removed: 0, changed: 1 });
    expect(lines(diffJson(released, renewed))).toContain('$.releasedAt removed');
  });

  it('lists removed keys after the keys of the new state, and treats a change of shape as one changed value', () => {
    const diff = diffJson({ a: 1, gone: { x: 1, y: 2 }, shape: [1] }, { shape: { 0: 1 }, a: 2 });
    expect(lines(diff)).toEqual(['$.shape changed', '$.a changed', '$.gone.x removed', '$.gone.y removed']);
    expect(summarize(diff)).toEqual({ added: 0, removed: 2, changed: 2 });
  });

  it('compares scalars exactly and handles null, missing and empty containers', () => {
    expect(diffJson(1, 1).status).toBe('unchanged');
    expect(diffJson('1', 1).status).toBe('changed');
    expect(diffJson(null, null).status).toBe('unchanged');
    expect(diffJson(undefined, { a: {} })).toMatchObject({ status: 'added' });
    expect(summarize(diffJson({}, { a: {} }))).toEqual({ added: 1, removed: 0, changed: 0 });
    expect(diffJson([], [])).toEqual({ kind: 'array', status: 'unchanged', entries: [] });
  });

  it('renders a value against itself as all unchanged', () => {
    const node = sameJson({ a: [1, { b: null }], c: 'x' });
    expect(lines(node).every((line) => line.endsWith('unchanged'))).toBe(true);
    expect(summarize(node)).toEqual({ added: 0, removed: 0, changed: 0 });
  });
});
