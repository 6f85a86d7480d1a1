import { expect, it } from 'vitest';
import { defaultRules } from './rules.js';
import type { Reply } from './test-support/app.js';
import { T0, countEvents, expectProblem, withDownloads, type StoreFactory } from './test-support/scenario-kit.js';

const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/**
 * Bad input over HTTP, on the Downloads routes and the generic /v1 API: each
 * gets a 4xx problem+json, and the store is unchanged (head position and
 * event count before and after).
 */
export function badInputScenarios(createStore: StoreFactory): void {
  it('bad input gets 4xx problem+json and changes nothing', async () => {
    await withDownloads(createStore, {}, async (d) => {
      const good = { customerId: 'c1', deviceId: 'd1', titleId: 't1', studioId: 's1' };
      const existing = (await d.request('POST', '/v1/licenses', { body: good, now: T0 })).body.licenseId as string;
      const head = await d.store.headPosition();
      const before = await countEvents(d.store);
      const event = { type: 'X', data: {} };
      const bad: [string, () => Promise<Reply>, number, string][] = [
        ['malformed JSON', () => d.request('POST', '/v1/licenses', { rawBody: '{"customerId":' }), 400, 'VALIDATION_FAILED'],
        ['missing field', () => d.request('POST', '/v1/licenses', { body: { customerId: 'c1', deviceId: 'd1', titleId: 't1' } }), 400, 'VALIDATION_FAILED'],
        ['wrong type', () => d.request('POST', '/v1/licenses', { body: { ...good, titleId: 42 } }), 400, 'VALIDATION_FAILED'],
        ['unknown field', () => d.request('POST', '/v1/licenses', { body: { ...good, admin: true } }), 400, 'VALIDATION_FAILED'],
        ['id with spaces', () => d.request('POST', '/v1/licenses', { body: { ...good, customerId: 'a b' } }), 400, 'VALIDATION_FAILED'],
        ['empty id', () => d.request('POST', '/v1/licenses', { body: { ...good, deviceId: '' } }), 400, 'VALIDATION_FAILED'],
        ['huge body', () => d.request('POST', '/v1/licenses', { body: { ...good, titleId: 'x'.repeat(6 * 1024 * 1024) } }), 413, 'BODY_TOO_LARGE'],
        ['bad clock', () => d.request('POST', '/v1/licenses', { body: good, now: 'tomorrow' }), 400, 'VALIDATION_FAILED'],
        ['bad idempotency key', () => d.request('POST', '/v1/licenses', { body: good, key: ' ' }), 400, 'VALIDATION_FAILED'],
        ['unknown license', () => d.request('POST', '/v1/licenses/00000000-0000-4000-8000-000000000000/renew'), 404, 'LICENSE_NOT_FOUND'],
        ['deactivate without customer', () => d.request('POST', '/v1/devices/d1/deactivate', { body: {} }), 400, 'VALIDATION_FAILED'],
        ['ids not strings', () => d.request('POST', '/v1/licenses', { body: { customerId: ['c1'], deviceId: { id: 1 }, titleId: null, studioId: true } }), 400, 'VALIDATION_FAILED'],
        ['body not an object', () => d.request('POST', '/v1/licenses', { body: [good] }), 400, 'VALIDATION_FAILED'],
        ['empty body', () => d.request('POST', '/v1/licenses', { rawBody: '' }), 400, 'VALIDATION_FAILED'],
        ['id too long', () => d.request('POST', '/v1/licenses', { body: { ...good, titleId: 't'.repeat(101) } }), 400, 'VALIDATION_FAILED'],
        ['unknown license released', () => d.request('POST', '/v1/licenses/no-such-license/release'), 404, 'LICENSE_NOT_FOUND'],
        ['license id with a slash', () => d.request('POST', `/v1/licenses/${encodeURIComponent('a/b')}/renew`), 400, 'VALIDATION_FAILED'],
        ['device of an unknown customer', () => d.request('POST', '/v1/devices/nowhere/deactivate', { body: { customerId: 'nobody-at-all' } }), 404, 'DEVICE_NOT_OWNED'],
        ['customer id wrong type', () => d.request('POST', '/v1/devices/d1/deactivate', { body: { customerId: 7 } }), 400, 'VALIDATION_FAILED'],
        ['rules of the wrong type', () => d.request('PUT', '/v1/rules', { body: { ...defaultRules, devicesPerAccount: 'four' } }), 400, 'VALIDATION_FAILED'],
        ['rules missing a field', () => d.request('PUT', '/v1/rules', { body: { devicesPerAccount: 4 } }), 400, 'VALIDATION_FAILED'],
        ['bad expectedVersion', () => d.request('POST', '/v1/streams/license-x', { body: { events: [event], expectedVersion: 'soon' } }), 400, 'VALIDATION_FAILED'],
        ['negative expectedVersion', () => d.request('POST', '/v1/streams/license-x', { body: { events: [event], expectedVersion: -2 } }), 400, 'VALIDATION_FAILED'],
        ['stale expectedVersion', () => d.request('POST', `/v1/streams/license-${existing}`, { body: { events: [event], expectedVersion: 0 } }), 409, 'WRONG_EXPECTED_VERSION'],
        ['expectedVersion ahead', () => d.request('POST', `/v1/streams/license-${existing}`, { body: { events: [event], expectedVersion: 99 } }), 409, 'WRONG_EXPECTED_VERSION'],
        ['no_stream on an existing stream', () => d.request('POST', `/v1/streams/license-${existing}`, { body: { events: [event], expectedVersion: 'no_stream' } }), 409, 'WRONG_EXPECTED_VERSION'],
        ['stream_exists on a new stream', () => d.request('POST', '/v1/streams/never-written', { body: { events: [event], expectedVersion: 'stream_exists' } }), 409, 'WRONG_EXPECTED_VERSION'],
        ['invalid stream id', () => d.request('POST', `/v1/streams/${encodeURIComponent('bad\nid')}`, { body: { events: [event] } }), 400, 'VALIDATION_FAILED'],
        ['stream id too long', () => d.request('POST', `/v1/streams/${'s'.repeat(300)}`, { body: { events: [event] } }), 400, 'VALIDATION_FAILED'],
        ['generic API: malformed JSON', () => d.request('POST', '/v1/streams/x', { rawBody: '{"events": [' }), 400, 'VALIDATION_FAILED'],
        ['generic API: events of the wrong type', () => d.request('POST', '/v1/streams/x', { body: { events: { type: 'X' } } }), 400, 'VALIDATION_FAILED'],
        ['generic API: event without data', () => d.request('POST', '/v1/streams/x', { body: { events: [{ type: 'X' }] } }), 400, 'VALIDATION_FAILED'],
        ['generic API: huge body', () => d.request('POST', '/v1/streams/x', { body: { events: [{ type: 'Big', data: 'x'.repeat(6 * 1024 * 1024) }] } }), 413, 'BODY_TOO_LARGE'],
        ['generic API: without the token', () => d.request('POST', '/v1/streams/x', { body: { events: [event] }, token: null }), 401, 'UNAUTHORIZED'],
        ['generic API: unknown stream', () => d.request('GET', '/v1/streams/nobody-here'), 404, 'STREAM_NOT_FOUND'],
        // Issue 21: a 10,000-deep body answered 500 (RangeError in the idempotency fingerprint).
        ['10,000-deep body to renew', () => d.request('POST', `/v1/licenses/${existing}/renew`, { rawBody: deep(10_000), key: 'deep-renew' }), 400, 'VALIDATION_FAILED'],
        ['10,000-deep body to release', () => d.request('POST', `/v1/licenses/${existing}/release`, { rawBody: deep(10_000), key: 'deep-release' }), 400, 'VALIDATION_FAILED'],
        ['10,000-deep body to acquire', () => d.request('POST', '/v1/licenses', { rawBody: deep(10_000) }), 400, 'VALIDATION_FAILED'],
        ['a body with fields to release', () => d.request('POST', `/v1/licenses/${existing}/release`, { body: { reason: 'x' } }), 400, 'VALIDATION_FAILED'],
        ['rules without the token', () => d.request('PUT', '/v1/rules', { body: { ...defaultRules, devicesPerAccount: 'four' }, token: null }), 401, 'UNAUTHORIZED'],
        ['rules with an unknown field', () => d.request('PUT', '/v1/rules', { body: { ...defaultRules, extra: 1 } }), 400, 'VALIDATION_FAILED'],
        ['wrong method', () => d.request('DELETE', '/v1/licenses'), 405, 'METHOD_NOT_ALLOWED'],
        ['problem type of a prototype name', () => d.request('GET', '/problems/__proto__'), 404, 'NOT_FOUND'],
      ];
      for (const [label, send, status, code] of bad) {
        const reply = await send();
        try {
          expectProblem(reply, status, code);
          expect(reply.headers.get('x-request-id')).toBe(reply.body.requestId);
        } catch (error) {
          throw new Error(`${label}: ${(error as Error).message}`);
        }
      }
      expect(await d.store.headPosition()).toBe(head);
      expect(await countEvents(d.store)).toBe(before);
      expect((await d.request('GET', `/v1/streams/license-${existing}`)).body.events).toHaveLength(1);
      expect((await d.request('GET', '/problems/YEARLY_LIMIT_REACHED')).body).toMatchObject({ status: 409, description: expect.stringContaining('365 days') });
      expect((await d.request('POST', `/v1/licenses/${existing}/renew`, { body: {}, now: T0 })).status).toBe(200);
    });
  });
}
