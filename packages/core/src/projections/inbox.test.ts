import { describe, expect, it } from 'vitest';
import { createInMemoryProjectionHost } from './in-memory-host.js';
import { handleOnce, inboxCollection } from './inbox.js';
import { outboxEnvelope, readEnvelope } from './outbox-envelope.js';
import type { StoredOutboxMessage } from './host.js';

const stored: StoredOutboxMessage = {
  position: 7,
  topic: 'subscriptions',
  type: 'SubscriptionStarted',
  data: { subscription: 's-1', plan: 'pro' },
  key: 'sub-1',
  sourceEventId: 'e-1',
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
};

describe('outbox envelope', () => {
  it('carries a stable id, the headers and the JSON body, and reads back', () => {
    const envelope = outboxEnvelope(stored, { source: 'subs' });
    expect(envelope.messageId).toBe('subs:7');
    expect(outboxEnvelope(stored, { source: 'subs' })).toEqual(envelope);
    const received = readEnvelope(envelope.headers, envelope.body);
    expect(received).toMatchObject({
      messageId: 'subs:7',
      type: 'SubscriptionStarted',
      topic: 'subscriptions',
      key: 'sub-1',
      causationId: 'e-1',
      correlationId: 'e-1',
      source: 'subs',
      createdAt: stored.createdAt,
      data: stored.data,
    });
    const custom = outboxEnvelope(stored, { source: 'subs', correlationId: () => 'c-9' });
    expect(readEnvelope(custom.headers, custom.body)?.correlationId).toBe('c-9');
  });

  it('a message without a Chronicle id is not read as one', () => {
    expect(readEnvelope({ 'chronicle-type': 'X' }, new TextEncoder().encode('{}'))).toBeUndefined();
  });
});

describe('handleOnce', () => {
  const message = readEnvelope(outboxEnvelope(stored, { source: 'subs' }).headers, new TextEncoder().encode('1'))!;

  it('runs the handler once per message id; a redelivery is a duplicate', async () => {
    const host = createInMemoryProjectionHost();
    let calls = 0;
    const handler = async (
      _: unknown,
      tx: { documents: { put(c: string, id: string, d: unknown): Promise<void> } },
    ) => {
      calls++;
      await tx.documents.put('mails', 's-1', { calls });
    };
    expect(await handleOnce(host, 'mailer', message, handler)).toBe('handled');
    expect(await handleOnce(host, 'mailer', message, handler)).toBe('duplicate');
    expect(calls).toBe(1);
    expect(await host.documents.get(inboxCollection('mailer'), 'subs:7')).toBeDefined();
    // Another inbox (another consumer) handles it for itself.
    expect(await handleOnce(host, 'billing', message, handler)).toBe('handled');
  });

  it('a throwing handler leaves neither its writes nor the inbox record', async () => {
    const host = createInMemoryProjectionHost();
    await expect(
      handleOnce(host, 'mailer', message, async (_, tx) => {
        await tx.documents.put('mails', 's-1', {});
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await host.documents.count('mails')).toBe(0);
    expect(await handleOnce(host, 'mailer', message, async () => undefined)).toBe('handled');
  });
});
