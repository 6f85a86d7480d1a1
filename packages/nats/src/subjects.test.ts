import { describe, expect, it } from 'vitest';
import { createLayout, decodeStreamId, encodeStreamId } from './subjects.js';

const ids = ['order-42', 'a_b~c', 'tenant/a.b', 'x*y>z', 'with space', '%41', 'é', 'e\u0301', '🎉', 'MixedCase', "it's (ok)!", '€'.repeat(256)];

describe('stream id encoding', () => {
  it('keeps A-Z a-z 0-9 - _ ~ and percent-encodes every other UTF-8 byte', () => {
    expect(encodeStreamId('order-42_A~z')).toBe('order-42_A~z');
    expect(encodeStreamId('tenant/a.b')).toBe('tenant%2Fa%2Eb');
    expect(encodeStreamId('x*y>z')).toBe('x%2Ay%3Ez');
    expect(encodeStreamId("it's (ok)!")).toBe('it%27s%20%28ok%29%21');
    expect(encodeStreamId('é')).toBe('%C3%A9');
  });

  it('is a valid single subject token: no dots, wildcards or whitespace', () => {
    for (const id of ids) expect(encodeStreamId(id)).toMatch(/^[A-Za-z0-9_~%-]+$/);
  });

  it('round-trips and is injective', () => {
    for (const id of ids) expect(decodeStreamId(encodeStreamId(id))).toBe(id);
    expect(new Set(ids.map(encodeStreamId)).size).toBe(ids.length);
    expect(encodeStreamId('%41')).not.toBe(encodeStreamId('A'));
  });

  it('refuses lone surrogates', () => {
    expect(() => encodeStreamId('a\uD800b')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => encodeStreamId('\uDC00')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('layout', () => {
  it('places events, claims, chunks and checkpoints under the prefix', () => {
    const layout = createLayout('CHRONICLE', 'chronicle');
    expect(layout.auxStream).toBe('CHRONICLE_AUX');
    expect(layout.eventSubject('order/1')).toBe('chronicle.e.order%2F1');
    expect(layout.streamIdOf('chronicle.e.order%2F1')).toBe('order/1');
    expect(layout.claimSubject('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('chronicle.x.id.0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(layout.chunkSubject('abc', 2)).toBe('chronicle.x.chunk.abc.2');
    expect(layout.checkpointSubject('orders view')).toBe('chronicle.x.cp.orders%20view');
    expect(() => layout.streamIdOf('other.e.x')).toThrow();
  });

  it('validates stream names and prefixes', () => {
    expect(() => createLayout('BAD NAME', 'p')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => createLayout('OK', 'bad..prefix')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => createLayout('OK', 'a.*')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(createLayout('OK', 'tenant-1.events').allEvents).toBe('tenant-1.events.e.>');
  });
});
