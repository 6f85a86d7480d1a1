import {
  DomainError,
  ReplayedRejectionError,
  ValidationError,
  WrongExpectedVersionError,
  findOutcome,
  recordOutcomeOnce,
  rejectionOf,
  retryDelay,
  type EventStore,
  type ProjectionHost,
  type RecordedEvent,
  type RequestOutcome,
} from '@chronicle/core';
import { accountStream, handleAccountCommand, type Account, type DeviceDeactivated } from './domain/account.js';
import { decideAcquisition } from './domain/acquisition.js';
import { licenseIdFor } from './domain/license-id.js';
import { downloadedStream } from './domain/downloaded.js';
import { handleLicenseCommand, licenseStream, type LicenseAcquired, type LicenseEvent } from './domain/license.js';
import { countedInstants } from './domain/time.js';
import { DownloadsRepository } from './repository.js';
import { studioLimit, titleLimit, type RulesSource } from './rules.js';

/** What a device gets for a download. */
export type LicenseGrant = { readonly licenseId: string; readonly expiresAt: string };

/**
 * Context of one request. Without `now`, every decision attempt (the first and
 * each retry after a conflict) reads the service's clock afresh, so a retried
 * request never decides at an instant older than what it read. `now` pins the
 * instant instead: demos, tests and `X-Chronicle-Now`.
 */
export type RequestContext = { readonly now?: Date; readonly requestId?: string };

/** Where the service reads the time: injectable per instance (tests run instances with skewed clocks). */
export type Clock = () => Date;

type Host = Pick<ProjectionHost<unknown>, 'transaction' | 'documents'>;

const MAX_ATTEMPTS = 60;

/** Thrown inside a write when its request id turns out to be handled already. */
class AlreadyHandled extends Error {
  constructor(readonly outcome: RequestOutcome) {
    super('request already handled');
  }
}

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

/**
 * The Downloads service (seed 003): its public API and the rules that span
 * aggregates. Every write loads the aggregates, decides, and saves all changes
 * in one atomic append guarded by the versions read; on a conflict it reloads
 * and decides again, which is what keeps limits exact under concurrency. A
 * request id makes a write idempotent: a repeat returns the first outcome.
 */
export class DownloadsService {
  readonly repository: DownloadsRepository;

  constructor(
    readonly store: EventStore,
    private readonly host: Host,
    private readonly rules: RulesSource,
    private readonly clock: Clock = () => new Date(),
  ) {
    this.repository = new DownloadsRepository(store);
  }

  /** Acquires a license for a download, or throws YEARLY_ / DEVICE_ / STUDIO_LIMIT_REACHED. */
  acquire(request: { customerId: string; deviceId: string; titleId: string; studioId: string }, context: RequestContext): Promise<LicenseGrant> {
    return this.once(context, async (outcome) => this.grantFrom(outcome), async (handledYet, now) => {
      const licenseId = licenseIdFor(context.requestId);
      const [account, downloaded] = await Promise.all([this.repository.account(request.customerId), this.repository.downloaded(request.customerId, request.titleId)]);
      await handledYet();
      const events = decideAcquisition({ ...request, licenseId, now }, account.state, downloaded.state, this.rules.current());
      await this.repository.save(
        [
          { streamId: accountStream(request.customerId), events: events.account, expectedVersion: DownloadsRepository.expected(account.version) },
          { streamId: downloadedStream(request.customerId, request.titleId), events: events.downloaded, expectedVersion: DownloadsRepository.expected(downloaded.version) },
          { streamId: licenseStream(licenseId), events: events.license, expectedVersion: 'no_stream' },
        ],
        this.metadata(context, request.customerId),
      );
      return { licenseId, expiresAt: events.license[0]!.data.expiresAt };
    });
  }

  /** Renews an active license for another license period. */
  renew(licenseId: string, context: RequestContext): Promise<LicenseGrant> {
    return this.once(
      context,
      async (outcome) => ({ licenseId, expiresAt: (await this.licenseEventsOf(outcome)).find((e) => e.type === 'LicenseRenewed')?.data.expiresAt as string }),
      async (handledYet, now) => {
        const license = await this.repository.license(licenseId);
        await handledYet();
        const events = handleLicenseCommand({ type: 'RenewLicense', licenseId, now, licenseDays: this.rules.current().licenseDays }, license.state);
        const customerId = license.state.status === 'none' ? '' : license.state.customerId;
        await this.repository.save([{ streamId: licenseStream(licenseId), events, expectedVersion: license.version }], this.metadata(context, customerId));
        return { licenseId, expiresAt: (events[0] as Extract<LicenseEvent, { type: 'LicenseRenewed' }>).data.expiresAt };
      },
    );
  }

  /** Releases a license (the download was deleted); releasing twice is a no-op. */
  release(licenseId: string, context: RequestContext): Promise<{ licenseId: string; released: true }> {
    return this.once(
      context,
      async () => ({ licenseId, released: true as const }),
      async (handledYet, now) => {
        const license = await this.repository.license(licenseId);
        await handledYet();
        const events = handleLicenseCommand({ type: 'ReleaseLicense', licenseId, now, reason: 'released' }, license.state);
        if (events.length === 0 || license.state.status === 'none') {
          await this.recordNoop(context, licenseStream(licenseId), license.version);
          return { licenseId, released: true as const };
        }
        const { customerId } = license.state;
        const account = await this.repository.account(customerId);
        await this.repository.save(
          [
            { streamId: licenseStream(licenseId), events, expectedVersion: license.version },
            {
              streamId: accountStream(customerId),
              events: licenseId in account.state.active ? [{ type: 'LicenseDeactivated', data: { licenseId, at: now.toISOString() } }] : [],
              expectedVersion: DownloadsRepository.expected(account.version),
            },
          ],
          this.metadata(context, customerId),
        );
        return { licenseId, released: true as const };
      },
    );
  }

  /** Remote deactivation: releases every active license on the device, within the yearly limit. */
  deactivateDevice(deviceId: string, customerId: string, context: RequestContext): Promise<{ deviceId: string; releasedLicenses: string[] }> {
    return this.once(
      context,
      async (outcome) => ({
        deviceId,
        releasedLicenses: outcome.kind === 'appended' ? outcome.parts.filter((p) => p.streamId.startsWith('license-')).map((p) => p.streamId.slice('license-'.length)) : [],
      }),
      async (handledYet, now) => {
        const account = await this.repository.account(customerId);
        await handledYet();
        const events = handleAccountCommand({ type: 'DeactivateDevice', deviceId, now, deactivationsPerYear: this.rules.current().deactivationsPerYear }, account.state);
        if (events.length === 0) {
          await this.recordNoop(context, accountStream(customerId), account.version);
          return { deviceId, releasedLicenses: [] };
        }
        const licenseIds = (events[0] as DeviceDeactivated).data.licenseIds;
        const licenses = await Promise.all(licenseIds.map((id) => this.repository.license(id)));
        await this.repository.save(
          [
            { streamId: accountStream(customerId), events, expectedVersion: account.version },
            ...licenses.map((license, index) => ({
              streamId: licenseStream(licenseIds[index]!),
              events: handleLicenseCommand({ type: 'ReleaseLicense', licenseId: licenseIds[index]!, now, reason: 'device-deactivated' }, license.state),
              expectedVersion: license.version,
            })),
          ],
          this.metadata(context, customerId),
        );
        return { deviceId, releasedLicenses: licenseIds };
      },
    );
  }

  /** Active licenses and per-title counts in the rolling year (at `now`, default the service's clock). */
  async downloads(customerId: string, now: Date = this.clock()) {
    const rules = this.rules.current();
    const account = await this.repository.account(customerId);
    const licenses = await Promise.all(Object.keys(account.state.active).map((id) => this.repository.license(id)));
    const titles = await Promise.all(
      account.state.titles.map(async (titleId) => {
        const downloaded = await this.repository.downloaded(customerId, titleId);
        const thisYear = countedInstants(downloaded.state.downloads.map((d) => d.at), now).length;
        return { titleId, downloadsThisYear: thisYear, limit: titleLimit(rules, titleId), remaining: Math.max(0, titleLimit(rules, titleId) - thisYear) };
      }),
    );
    const active = licenses.flatMap((l) => (l.state.status === 'active' ? [l.state] : []));
    return {
      customerId,
      activeLicenses: active.map(({ licenseId, deviceId, titleId, studioId, acquiredAt, expiresAt }) => ({
        licenseId,
        deviceId,
        titleId,
        studioId,
        acquiredAt,
        expiresAt,
        expired: Date.parse(expiresAt) <= now.getTime(),
      })),
      titles,
      devices: [...new Set(active.map((l) => l.deviceId))],
      studios: Object.entries(
        active.reduce<Record<string, number>>((counts, l) => ({ ...counts, [l.studioId]: (counts[l.studioId] ?? 0) + 1 }), {}),
      ).map(([studioId, active]) => ({ studioId, active, limit: studioLimit(rules, studioId) })),
      deactivationsThisYear: countedInstants(account.state.deactivations, now).length,
      limits: { devicesPerAccount: rules.devicesPerAccount, deactivationsPerYear: rules.deactivationsPerYear },
    };
  }

  /** Every event of a customer, in global order: the talk's debugging dump. */
  async dump(customerId: string): Promise<RecordedEvent[]> {
    const account = await this.repository.account(customerId);
    const streams = [accountStream(customerId), ...account.state.titles.map((t) => downloadedStream(customerId, t)), ...account.state.licenses.map(licenseStream)];
    const all = (await Promise.all(streams.map((s) => collect(this.store.readStream(s))))).flat();
    return all.sort((a, b) => a.globalPosition - b.globalPosition);
  }

  /** The state of an account (for tests and the explorer). */
  async account(customerId: string): Promise<Account> {
    return (await this.repository.account(customerId)).state;
  }

  private metadata(context: RequestContext, customerId: string): Record<string, string> {
    return { customerId, ...(context.requestId ? { requestId: context.requestId } : {}) };
  }

  private async recordNoop(context: RequestContext, streamId: string, version: number): Promise<void> {
    if (context.requestId) await recordOutcomeOnce(this.host, context.requestId, { kind: 'noop', streamId, version });
  }

  private async licenseEventsOf(outcome: RequestOutcome): Promise<LicenseEvent[]> {
    if (outcome.kind !== 'appended') return [];
    const part = outcome.parts.find((p) => p.streamId.startsWith('license-'));
    if (!part) return [];
    return (await collect(this.store.readStream(part.streamId, { from: part.from, limit: part.to - part.from + 1 }))) as unknown as LicenseEvent[];
  }

  private async grantFrom(outcome: RequestOutcome): Promise<LicenseGrant> {
    const acquired = (await this.licenseEventsOf(outcome)).find((e): e is LicenseAcquired => e.type === 'LicenseAcquired');
    if (!acquired) throw new Error('request id was used for another operation');
    return { licenseId: acquired.data.licenseId, expiresAt: acquired.data.expiresAt };
  }

  /**
   * Runs a write at most once per request id, retrying conflicts on fresh
   * state. A repeat (or the loser of a race between identical requests) gets
   * the first outcome: the same result, or the same rejection.
   *
   * `work` calls `handledYet()` right after loading the streams it will append
   * to. An identical request that committed before that load has its outcome
   * recorded in the same transaction as its events, so the check finds it; one
   * that commits after the load makes this append fail on the stream versions,
   * and the retry finds it. Checking only before the load would leave a window
   * in which both append (seen on PostgreSQL: two licenses for one key).
   *
   * `work` gets the instant to decide at: the request's pinned `now`, else the
   * clock read afresh for this attempt (after the conflict's backoff).
   */
  private async once<T>(
    context: RequestContext,
    replay: (outcome: RequestOutcome) => Promise<T>,
    work: (handledYet: () => Promise<void>, now: Date) => Promise<T>,
  ): Promise<T> {
    const { requestId } = context;
    const handledYet = async (): Promise<void> => {
      if (!requestId) return;
      const known = await findOutcome(this.host, requestId);
      if (known) throw new AlreadyHandled(known);
    };
    const replayKnown = async (): Promise<{ value: T } | undefined> => {
      if (!requestId) return undefined;
      const known = await findOutcome(this.host, requestId);
      if (!known) return undefined;
      if (known.kind === 'rejected') throw new ReplayedRejectionError(known.error);
      return { value: await replay(known) };
    };
    const known = await replayKnown();
    if (known) return known.value;
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(handledYet, context.now ?? this.clock());
      } catch (error) {
        if (error instanceof AlreadyHandled) {
          if (error.outcome.kind === 'rejected') throw new ReplayedRejectionError(error.outcome.error);
          return replay(error.outcome);
        }
        if (error instanceof WrongExpectedVersionError) {
          const raced = await replayKnown();
          if (raced) return raced.value;
          if (attempt < MAX_ATTEMPTS) {
            await new Promise((resolve) => setTimeout(resolve, retryDelay({ initialDelayMs: 1, maxDelayMs: 25 }, attempt)));
            continue;
          }
        }
        // Business and input rejections are outcomes worth replaying; outages are not.
        if (requestId && (error instanceof DomainError || error instanceof ValidationError)) await recordOutcomeOnce(this.host, requestId, rejectionOf(error));
        throw error;
      }
    }
  }
}
