import { expect, vi } from 'vitest';
import type { Logger } from '@chronicle/core';
import type { RunningDownloads } from './app.js';

/** A logger that keeps what it is given, to assert on warnings. */
export function recordingLogger(): Logger & { readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const T0 = '2026-03-01T09:00:00.000Z';

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : Number.NaN;
}

/**
 * The store-outage story of seed 003, over HTTP against a real store:
 * acquisitions while the store is down are granted by the fallback (flagged,
 * logged, counted), the server keeps answering, an idempotent retry during
 * the outage gets the same license, and once the store is back the reconciler
 * writes every journaled license exactly once, which the customer's summary
 * then counts.
 */
export async function expectFallbackThenRecovery(
  d: RunningDownloads,
  log: ReturnType<typeof recordingLogger>,
  outage: {
    down(): Promise<void>;
    up(): Promise<void>;
    /** What /health says while the store is down: SQLite still reads under a foreign write lock (200); PostgreSQL does not (503). */
    readonly healthWhileDown: 200 | 503;
  },
  customerId: string,
): Promise<void> {
  const acquire = (titleId: string, key?: string) =>
    d.request('POST', '/v1/licenses', { body: { customerId, deviceId: 'phone', titleId, studioId: 'netflix' }, now: T0, ...(key ? { key } : {}) });
  const normal = await acquire('before-outage');
  expect(normal.status, JSON.stringify(normal.body)).toBe(201);
  expect(normal.body.fallback).toBeUndefined();
  expect(normal.headers.get('x-chronicle-fallback')).toBeNull();
  const metricsBefore = await d.request('GET', '/metrics');
  expect(metric(metricsBefore.body, 'downloads_fallback_total')).toBe(0);
  const headBefore = await d.store.headPosition();

  await outage.down();
  const granted = await acquire('during-outage');
  expect(granted.status, JSON.stringify(granted.body)).toBe(201);
  expect(granted.body.fallback).toBe(true);
  expect(granted.body.expiresAt).toBe('2026-03-31T09:00:00.000Z');
  expect(granted.headers.get('x-chronicle-fallback')).toBe('store-unavailable');
  const keyed = await acquire('during-outage-keyed', 'outage-retry-key');
  const keyedRetry = await acquire('during-outage-keyed', 'outage-retry-key');
  expect(keyed.body.fallback).toBe(true);
  expect(keyedRetry.body).toEqual(keyed.body);
  expect(log.lines.filter((l) => l.level === 'warn' && l.message === 'downloads fallback used').map((l) => l.fields.licenseId)).toEqual([granted.body.licenseId, keyed.body.licenseId, keyed.body.licenseId]);
  // Other writes are not granted blindly: they say the store is unavailable, and may be retried.
  const renewal = await d.request('POST', `/v1/licenses/${normal.body.licenseId}/renew`, { now: T0 });
  expect(renewal.status, JSON.stringify(renewal.body)).toBe(503);
  expect(renewal.body.code).toBe('STORE_UNAVAILABLE');
  const summaryWhileDown = await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: T0 });
  expect(summaryWhileDown.status, JSON.stringify(summaryWhileDown.body)).toBe(outage.healthWhileDown);
  const health = await d.request('GET', '/health');
  expect(health.status).toBe(outage.healthWhileDown);
  if (outage.healthWhileDown === 503) expect(health.body.code).toBe('STORE_UNAVAILABLE');
  const metricsReply = await d.request('GET', '/metrics');
  expect(metricsReply.status, JSON.stringify(metricsReply.body)).toBe(200);
  const metricsDuring = metricsReply.body;
  expect(metric(metricsDuring, 'downloads_fallback_total')).toBe(3);
  expect(metric(metricsDuring, 'downloads_fallback_pending')).toBe(2);
  expect(d.journal.pending().map((e) => e.licenseId)).toEqual([granted.body.licenseId, keyed.body.licenseId]);

  await outage.up();
  await vi.waitFor(() => expect(d.journal.pending()).toEqual([]), { timeout: 20_000, interval: 100 });
  expect(await d.store.headPosition()).toBeGreaterThan(headBefore);
  for (const licenseId of [granted.body.licenseId, keyed.body.licenseId]) {
    const stream = await d.request('GET', `/v1/streams/license-${licenseId}`);
    expect(stream.status).toBe(200);
    expect(stream.body.events.map((e: { type: string }) => e.type)).toEqual(['LicenseAcquired']);
    expect(stream.body.events[0].metadata).toMatchObject({ customerId, fallback: true });
  }
  const summary = (await d.request('GET', `/v1/customers/${customerId}/downloads`, { now: T0 })).body;
  expect(summary.activeLicenses.map((l: { licenseId: string }) => l.licenseId).sort()).toEqual([normal.body.licenseId, granted.body.licenseId, keyed.body.licenseId].sort());
  // After reconciliation, the keyed retry still answers the same license, and nothing more is written.
  const head = await d.store.headPosition();
  const lateRetry = await acquire('during-outage-keyed', 'outage-retry-key');
  expect(lateRetry.status).toBe(201);
  expect(lateRetry.body.licenseId).toBe(keyed.body.licenseId);
  expect(await d.store.headPosition()).toBe(head);
  expect(await d.reconcile()).toBe(0);
  expect((await d.request('GET', '/health')).status).toBe(200);
  // And the store serves normally again.
  const after = await acquire('after-outage');
  expect(after.status).toBe(201);
  expect(after.body.fallback).toBeUndefined();
}
