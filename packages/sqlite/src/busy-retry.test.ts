import { describe, expect, it } from 'vitest';
import { busyBackoffMs, createQuery } from './busy-retry.js';

/** An error shaped like the driver's SQLITE_BUSY. */
function busy(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}

describe('busy retry', () => {
  it('returns a read synchronously when nothing is locked', () => {
    const query = createQuery(() => {}, 1_000);
    expect(query(() => 42, 'reading')).toBe(42);
  });

  it('retries SQLITE_BUSY off the event loop until the read goes through', async () => {
    const query = createQuery(() => {}, 1_000);
    let attempts = 0;
    const result = query(() => {
      if (++attempts < 4) throw busy();
      return 'read';
    }, 'reading');
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe('read');
    expect(attempts).toBe(4);
  });

  it('gives up after the timeout with STORE_UNAVAILABLE, never SQLITE_BUSY', async () => {
    const query = createQuery(() => {}, 50);
    const error = await Promise.resolve(
      query(() => {
        throw busy();
      }, 'reading'),
    ).catch((e: unknown) => e as Record<string, unknown>);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', outcomeUnknown: false, retryable: true });
    expect((error.cause as { code?: unknown }).code).toBe('SQLITE_BUSY');
  });

  it('maps I/O failures to STORE_UNAVAILABLE and lets other errors through unchanged', () => {
    const query = createQuery(() => {}, 50);
    const io = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    expect(() => query(() => { throw io; }, 'reading')).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE', cause: io }));
    const bug = new TypeError('not a function');
    expect(() => query(() => { throw bug; }, 'reading')).toThrow(bug);
  });

  it('stops retrying when the store closes meanwhile', async () => {
    let open = true;
    const query = createQuery(() => {
      if (!open) throw Object.assign(new Error('closed'), { code: 'STORE_CLOSED' });
    }, 5_000);
    const reading = Promise.resolve(query(() => { throw busy(); }, 'reading')).catch((e: unknown) => e);
    open = false;
    expect(await reading).toMatchObject({ code: 'STORE_CLOSED' });
  });

  it('backs off briefly, with jitter, never more than ~40 ms', () => {
    const delays = Array.from({ length: 200 }, (_, attempt) => busyBackoffMs(attempt % 12));
    expect(Math.min(...delays)).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(37.5);
  });
});
