import { readFileSync, rmSync } from 'node:fs';
import { appendFileDurable, writeFileAtomic } from '@chronicle/core/files';
import { StoreUnavailableError, WrongExpectedVersionError, findOutcome, isChronicleError, type ProjectionHost, type RequestOutcome } from '@chronicle/core';
import type { Logger } from '@chronicle/core';
import { accountStream } from './domain/account.js';
import { downloadedStream } from './domain/downloaded.js';
import { licenseStream } from './domain/license.js';
import { licenseIdFor } from './domain/license-id.js';
import { DAY_MS } from './domain/time.js';
import type { DownloadsRepository } from './repository.js';
import type { RulesSource } from './rules.js';

/** A license granted while the store was down, waiting to be written. */
export type FallbackEntry = {
  readonly licenseId: string;
  readonly customerId: string;
  readonly deviceId: string;
  readonly titleId: string;
  readonly studioId: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
  /** The client's Idempotency-Key, so a retry during the outage gets the same license. */
  readonly idempotencyKey?: string;
};

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300', 'SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_FULL']);

/**
 * True when `error` means the store cannot be used right now (as opposed to a
 * rejection or bad input). A PostgreSQL error of severity FATAL ended the
 * session (e.g. the database refuses connections): an outage too.
 */
export function isStoreOutage(error: unknown): boolean {
  if (isChronicleError(error)) return error.code === 'STORE_UNAVAILABLE' || error.code === 'STORE_CLOSED';
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (severity === 'FATAL' || severity === 'PANIC') return true;
  return typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('SQLITE_IOERR'));
}

/**
 * Runs `work`, turning any outage error into `STORE_UNAVAILABLE` (503, retryable):
 * a driver error the store did not classify (e.g. PostgreSQL refusing
 * connections to a database, a FATAL 55000) would otherwise surface as a 500.
 */
export async function outageAsUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isStoreOutage(error) && !isChronicleError(error)) throw new StoreUnavailableError(`store unavailable: ${(error as Error).message}`, true, { cause: error });
    throw error;
  }
}

/**
 * The fallback of seed 003: when the store is down, grant the license anyway
 * (as if the customer had no downloads — in their favour), remember it in an
 * fsync'ed local journal, and write it to the store once the store is back.
 */
export class FallbackJournal {
  constructor(private readonly file: string) {}

  /** Grants and journals a license; returns the grant. */
  grant(request: Omit<FallbackEntry, 'licenseId' | 'acquiredAt' | 'expiresAt'>, now: Date, rules: RulesSource): FallbackEntry {
    if (request.idempotencyKey) {
      const earlier = this.pending().find((e) => e.idempotencyKey === request.idempotencyKey);
      if (earlier) return earlier;
    }
    const entry: FallbackEntry = {
      ...request,
      licenseId: licenseIdFor(request.idempotencyKey),
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + rules.current().licenseDays * DAY_MS).toISOString(),
    };
    // Durable before the grant is answered; on a full disk it throws and nothing is granted.
    appendFileDurable(this.file, `${JSON.stringify(entry)}\n`);
    return entry;
  }

  /** Entries not yet written to the store. */
  pending(): FallbackEntry[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as FallbackEntry];
        } catch {
          return []; // a torn last line from a crash mid-write: that grant was never answered
        }
      });
  }

  /**
   * Writes one grant unless the store has it already; true when this call wrote it. A grant is in
   * the store exactly when its license stream exists: license ids are unique per grant, and a keyed
   * request gets the same id on every instance (see `licenseIdFor`), so a grant made by two
   * instances for one key, or granted again normally after the outage, is one license.
   */
  private async record(entry: FallbackEntry, repository: DownloadsRepository, host: Pick<ProjectionHost<unknown>, 'documents'>): Promise<boolean> {
    const stored = async (): Promise<boolean> => (await repository.store.getStreamInfo(licenseStream(entry.licenseId))) !== undefined;
    if (await stored()) return false;
    // The key replays this license from now on, unless the key already answered something else (then the grant stands alone).
    const known: RequestOutcome | undefined = entry.idempotencyKey ? await findOutcome(host, entry.idempotencyKey) : undefined;
    const requestId = entry.idempotencyKey && !known ? entry.idempotencyKey : `fallback:${entry.licenseId}`;
    const at = entry.acquiredAt;
    const { licenseId, customerId, deviceId, titleId, studioId } = entry;
    try {
      await repository.save(
        [
          { streamId: accountStream(customerId), events: [{ type: 'LicenseActivated', data: { licenseId, deviceId, titleId, studioId, at } }], expectedVersion: 'any' },
          { streamId: downloadedStream(customerId, titleId), events: [{ type: 'TitleDownloaded', data: { licenseId, deviceId, at } }], expectedVersion: 'any' },
          {
            streamId: licenseStream(licenseId),
            events: [{ type: 'LicenseAcquired', data: { licenseId, customerId, deviceId, titleId, studioId, acquiredAt: at, expiresAt: entry.expiresAt } }],
            expectedVersion: 'no_stream',
          },
        ],
        { requestId, customerId, fallback: true, reconciledAt: new Date().toISOString() },
      );
      return true;
    } catch (error) {
      // Another instance recorded the same grant between our check and our append: the license stream guards it.
      if (error instanceof WrongExpectedVersionError && (await stored())) return false;
      throw error;
    }
  }

  /**
   * Writes pending grants to the store, each exactly once (its request id
   * `fallback:<licenseId>` is recorded with the events), bypassing the limits:
   * the customer was already promised the license. Returns how many were written.
   */
  async reconcile(repository: DownloadsRepository, host: Pick<ProjectionHost<unknown>, 'documents'>, logger: Logger): Promise<number> {
    const entries = this.pending();
    let written = 0;
    const done = new Set<string>();
    for (const entry of entries) {
      try {
        if (await this.record(entry, repository, host)) written++;
        done.add(entry.licenseId);
      } catch (error) {
        logger.warn({ licenseId: entry.licenseId, err: (error as Error).message }, 'fallback reconciliation failed; will retry');
        break;
      }
    }
    // Read again: grants journaled while this ran (the store calls above yield) must stay.
    // From here to the rename everything is synchronous, so no grant can slip in between.
    const remaining = this.pending().filter((entry) => !done.has(entry.licenseId));
    if (remaining.length > 0) writeFileAtomic(this.file, remaining.map((e) => `${JSON.stringify(e)}\n`).join(''));
    else rmSync(this.file, { force: true });
    if (written > 0) logger.info({ written, remaining: remaining.length }, 'fallback licenses reconciled');
    return written;
  }
}
