import { describe, expect, it } from 'vitest';
import { defaultLease, loadDownloadsConfig } from './config.js';

describe('Downloads config', () => {
  it('defaults: no clock override, no offset, leases that hand over within 3 s', () => {
    expect(loadDownloadsConfig({})).toEqual({ allowClockOverride: false, clockOffsetMs: 0, lease: defaultLease, sqlitePath: undefined, sqliteBusyTimeoutMs: 2000 });
    expect(defaultLease.ttlMs + defaultLease.retryMs).toBeLessThanOrEqual(3_000);
  });

  it('reads the lease settings and the test clock offset', () => {
    const env = { DOWNLOADS_LEASE_TTL_MS: '9000', DOWNLOADS_LEASE_RETRY_MS: '1000', DOWNLOADS_ALLOW_CLOCK_OVERRIDE: '1', DOWNLOADS_CLOCK_OFFSET_MS: '-2000' };
    expect(loadDownloadsConfig(env)).toEqual({ allowClockOverride: true, clockOffsetMs: -2000, lease: { ttlMs: 9000, retryMs: 1000 }, sqlitePath: undefined, sqliteBusyTimeoutMs: 2000 });
  });

  it('refuses settings it cannot honour, naming them', () => {
    expect(() => loadDownloadsConfig({ DOWNLOADS_LEASE_TTL_MS: 'soon' })).toThrow('DOWNLOADS_LEASE_TTL_MS must be an integer from 300 to 600000, got "soon"');
    expect(() => loadDownloadsConfig({ DOWNLOADS_LEASE_TTL_MS: '1000', DOWNLOADS_LEASE_RETRY_MS: '1000' })).toThrow(
      'DOWNLOADS_LEASE_RETRY_MS (1000) must be below DOWNLOADS_LEASE_TTL_MS (1000)',
    );
    expect(() => loadDownloadsConfig({ DOWNLOADS_CLOCK_OFFSET_MS: '2000' })).toThrow('honoured only with DOWNLOADS_ALLOW_CLOCK_OVERRIDE=1');
  });
});
