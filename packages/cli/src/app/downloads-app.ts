import { DomainError, type EventStore, type Projection, type RecordedEvent } from '@chronicle/core';
import type { AnyDecider, AppDecider, ChronicleApp, Rejection } from './app-module.js';
import { enableTypeScript } from './typescript.js';

// The Downloads app (apps/downloads) is application code, not a dependency of
// the CLI: its public entry (`@chronicle/downloads`: deciders, acquisition
// rules, the dump) is imported at run time when installed — TypeScript
// sources, hence `enableTypeScript` — and described here by the structural
// types the CLI uses.
type Rules = unknown;
type AccountState = { readonly active: Readonly<Record<string, unknown>>; readonly licenses: readonly string[]; readonly titles: readonly string[] };
type AcquireLicense = { licenseId: string; customerId: string; deviceId: string; titleId: string; studioId: string; now: Date };
type DownloadsModule = {
  readonly rulesSchema: { parse(value: unknown): Rules };
  readonly decideAcquisition: (command: AcquireLicense, account: AccountState, downloaded: unknown, rules: Rules) => unknown;
  readonly licenseDecider: AnyDecider;
  readonly accountDecider: AnyDecider;
  readonly downloadedDecider: AnyDecider;
  readonly titlePopularity: Projection;
  readonly DownloadsService: new (store: EventStore, host: never, rules: never) => { dump(customerId: string): Promise<RecordedEvent[]> };
};

const DOWNLOADS = '@chronicle/downloads';

async function downloads(): Promise<DownloadsModule> {
  await enableTypeScript();
  try {
    return (await import(DOWNLOADS)) as DownloadsModule;
  } catch (error) {
    throw new Error(`${DOWNLOADS} is not installed (${error instanceof Error ? error.message : String(error)}); pass --app <module>`, { cause: error });
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

function licenseCommandOf(events: readonly RecordedEvent[]): unknown {
  const first = events[0];
  if (!first) return undefined;
  const data = first.data as Record<string, string>;
  const licenseId = first.streamId.slice('license-'.length);
  if (first.type === 'LicenseRenewed') {
    const renewedAt = new Date(data.renewedAt!);
    return { type: 'RenewLicense', licenseId, now: renewedAt, licenseDays: Math.round((Date.parse(data.expiresAt!) - renewedAt.getTime()) / DAY_MS) };
  }
  if (first.type === 'LicenseReleased') return { type: 'ReleaseLicense', licenseId, now: new Date(data.releasedAt!), reason: data.reason };
  return undefined; // LicenseAcquired is decided across aggregates: see `what-if`
}

function apply(decider: AnyDecider, state: unknown, event: RecordedEvent): unknown {
  return (decider.evolve as (s: unknown, e: RecordedEvent) => unknown)(state, event);
}

/**
 * Which past acquisitions `rules` would have rejected. Each acquisition is
 * decided again with the Downloads rules (`decideAcquisition`) against the
 * customer's history exactly as it happened up to that moment, at the
 * acquisition's own time.
 */
async function whatIf(store: EventStore, rawRules: unknown, onProgress?: (done: number, total: number) => void): Promise<Rejection[]> {
  const { rulesSchema, decideAcquisition, ...app } = await downloads();
  const account = { accountDecider: app.accountDecider };
  const downloaded = { downloadedDecider: app.downloadedDecider };
  const rules = rulesSchema.parse(rawRules);
  const dump = await customerDump();
  const customers: string[] = [];
  for await (const stream of store.listStreams({ prefix: 'account-' })) customers.push(stream.streamId.slice('account-'.length));
  const rejections: Rejection[] = [];
  let done = 0;
  for (const customerId of customers) {
    let accountState = account.accountDecider.initialState();
    const titles = new Map<string, unknown>();
    for (const event of await dump(store, customerId)) {
      if (event.type === 'LicenseActivated' && event.streamId === `account-${customerId}`) {
        const data = event.data as { licenseId: string; deviceId: string; titleId: string; studioId: string; at: string };
        const command: AcquireLicense = { licenseId: data.licenseId, customerId, deviceId: data.deviceId, titleId: data.titleId, studioId: data.studioId, now: new Date(data.at) };
        try {
          decideAcquisition(command, accountState as AccountState, titles.get(data.titleId) ?? downloaded.downloadedDecider.initialState(), rules);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          rejections.push({
            streamId: event.streamId,
            streamPosition: event.streamPosition,
            globalPosition: event.globalPosition,
            at: data.at,
            command: { type: 'AcquireLicense', ...command, now: data.at },
            code: error.code,
            message: error.message,
            details: { customerId, licenseId: data.licenseId, titleId: data.titleId, deviceId: data.deviceId, studioId: data.studioId },
          });
        }
      }
      if (event.streamId === `account-${customerId}`) accountState = apply(account.accountDecider, accountState, event);
      else if (event.streamId.startsWith(`downloaded-${customerId}/`)) {
        const titleId = event.streamId.slice(`downloaded-${customerId}/`.length);
        titles.set(titleId, apply(downloaded.downloadedDecider, titles.get(titleId) ?? downloaded.downloadedDecider.initialState(), event));
      }
    }
    done++;
    onProgress?.(done, customers.length);
  }
  return rejections;
}

async function customerDump(): Promise<(store: EventStore, customerId: string) => Promise<RecordedEvent[]>> {
  const { DownloadsService } = await downloads();
  // Only the dump is used: it needs neither the projection host nor the rules.
  return (store, customerId) => new DownloadsService(store, undefined as never, undefined as never).dump(customerId);
}

/**
 * The Downloads app's definitions (deciders by category, the title-popularity
 * projection, the customer dump and the what-if report), loaded from
 * `@chronicle/downloads`. Throws when its sources cannot be loaded.
 */
export async function downloadsApp(): Promise<ChronicleApp> {
  const { licenseDecider, accountDecider, downloadedDecider, titlePopularity } = await downloads();
  const deciders: Record<string, AppDecider> = {
    license: { decider: licenseDecider, commandOf: licenseCommandOf },
    account: { decider: accountDecider },
    downloaded: { decider: downloadedDecider },
  };
  const dump = await customerDump();
  return {
    name: 'downloads',
    deciders,
    projections: async () => {
      return [{ projection: titlePopularity, collections: ['title-popularity'] }];
    },
    dump,
    whatIf,
  };
}
