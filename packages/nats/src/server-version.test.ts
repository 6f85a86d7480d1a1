import { describe, expect, it } from 'vitest';
import { assertReplicationSupported, versionAtLeast } from './server-version.js';

describe('server versions', () => {
  it('compare dotted versions numerically', () => {
    expect(versionAtLeast('2.10.27', '2.10.0')).toBe(true);
    expect(versionAtLeast('2.9.10', '2.10.0')).toBe(false);
    expect(versionAtLeast('2.11.0-RC.1', '2.10.0')).toBe(true);
    expect(versionAtLeast('3.0.0', '2.10.0')).toBe(true);
  });

  it('refuse replicated streams before 2.10 with NOT_SUPPORTED, allow R1 anywhere', () => {
    expect(() => assertReplicationSupported('2.9.10', 3, 'S')).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
    expect(() => assertReplicationSupported('2.9.10', 1, 'S')).not.toThrow();
    expect(() => assertReplicationSupported('2.10.0', 3, 'S')).not.toThrow();
  });
});
