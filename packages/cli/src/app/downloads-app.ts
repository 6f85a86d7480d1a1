import { DomainError, type EventStore, type Projection, type RecordedEvent } from '@chronicle/core';
import type { AnyDecider, AppDecider, ChronicleApp, Rejection } from './app-module.js';
import { enableTypeScript } from './typescript.js';

// The Downloads app (apps/downloads) is application code, not a dependency of
// the CLI: its public entry (`@chronicle/downloads`: deciders, acquisition
// rules, the dump) is imported at run time when installed — TypeScript
// sources, hence `enableTypeScript` — and described here by the structural
// types the CLI uses.
type Rules = Readonly<Record<string, unknown>>;
type RulesChange = { readonly version: number; readonly at: string; readonly rules: Rules };
type AccountState = { readonly active: Readonly<Record<string, unknown>>; readonly licenses: readonly string[]; readonly titles: readonly string[] };
type AcquireLicense = { licenseId: string; customerId: string; deviceId: string; titleId: string; studioId: string; now: Date };
type DownloadsModule = {
  readonly rulesSchema: { parse(value: unknown): Rules };
  readonly defaultRules: Rules;
  readonly RULES_STREAM: string;
  readonly toRulesChange: (event: RecordedEvent) => RulesChange;
  readonly rulesInForceAt: (history: readonly RulesChange[], at: Date | string) => RulesChange | undefined;
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

/** The rules in force at any time, from the `rules-downloads` stream. */
type RulesAt = (at: string) => { readonly version: number; readonly rules: Rules };

async function rulesHistory(store: EventStore): Promise<RulesAt> {
  const { RULES_STREAM, toRulesChange, rulesInForceAt, defaultRules } = await downloads();
  const history: RulesChange[] = [];
  for await (const event of store.readStream(RULES_STREAM)) history.push(toRulesChange(event));
  // Before the first recorded change: the seed the stream started with (the defaults on a store without one).
  const first = history[0] ?? { version: 0, at: '', rules: defaultRules };
  return (at) => rulesInForceAt(history, at) ?? first;
}

function accountCommandOf(events: readonly RecordedEvent[], context: unknown): unknown {
  const first = events.find((e) => e.type === 'DeviceDeactivated');
  if (!first || typeof context !== 'function') return undefined;
  const data = first.data as { deviceId: string; at: string };
  const { rules } = (context as RulesAt)(data.at);
  return { type: 'DeactivateDevice', deviceId: data.deviceId, now: new Date(data.at), deactivationsPerYear: rules.deactivationsPerYear };
}

function apply(decider: AnyDecider, state: unknown, event: RecordedEvent): unknown {
  return (decider.evolve as (s: unknown, e: RecordedEvent) => unknown)(state, event);
}

/**
 * Which past acquisitions `rules` would have rejected. Each acquisition is
 * decided again with the Downloads rules (`decideAcquisition`) against the
 * customer's history exactly as it happened up to that moment, at the
 * acquisition's own time, under the rules in force then (from the rules
 * stream) with the fields `rules` gives replaced: a partial file asks "what
 * if only this had been different". A rejection also says whether the rules
 * in force then rejected it too (a fallback grant made while the store was
 * down, or one that bypassed them).
 */
async function whatIf(store: EventStore, rawRules: unknown, onProgress?: (done: number, total: number) => void): Promise<Rejection[]> {
  const { rulesSchema, decideAcquisition, ...app } = await downloads();
  const account = { accountDecider: app.accountDecider };
  const downloaded = { downloadedDecider: app.downloadedDecider };
  if (typeof rawRules !== 'object' || rawRules === null || Array.isArray(rawRules)) rulesSchema.parse(rawRules);
  const override = rawRules as Rules;
  const rulesAt = await rulesHistory(store);
  const dump = await customerDump();
  const customers: string[] = [];
  for await (const stream of store.listStreams({ prefix: 'account-' })) customers.push(stream.streamId.slice('account-'.length));
  // Validates the file against the rules in force now (so a bad field fails before any work).
  rulesSchema.parse({ ...rulesAt(new Date().toISOString()).rules, ...override });
  const rejections: Rejection[] = [];
  let done = 0;
  for (const customerId of customers) {
    let accountState = account.accountDecider.initialState();
    const titles = new Map<string, unknown>();
    for (const event of await dump(store, customerId)) {
      if (event.type === 'LicenseActivated' && event.streamId === `account-${customerId}`) {
        const data = event.data as { licenseId: string; deviceId: string; titleId: string; studioId: string; at: string };
        const command: AcquireLicense = { licenseId: data.licenseId, customerId, deviceId: data.deviceId, titleId: data.titleId, studioId: data.studioId, now: new Date(data.at) };
        const then = rulesAt(data.at);
        const titleState = titles.get(data.titleId) ?? downloaded.downloadedDecider.initialState();
        const decide = (rules: Rules): unknown => {
          try {
            decideAcquisition(command, accountState as AccountState, titleState, rules);
            return undefined;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            return error;
          }
        };
        const error = decide(rulesSchema.parse({ ...then.rules, ...override })) as DomainError | undefined;
        if (error) {
          rejections.push({
            streamId: event.streamId,
            streamPosition: event.streamPosition,
            globalPosition: event.globalPosition,
            at: data.at,
            command: { type: 'AcquireLicense', ...command, now: data.at },
            code: error.code,
            message: error.message,
            details: {
              customerId,
              licenseId: data.licenseId,
              titleId: data.titleId,
              deviceId: data.deviceId,
              studioId: data.studioId,
              rulesVersionThen: then.version,
              alsoThen: decide(then.rules) !== undefined,
              ...(event.metadata.fallback === true ? { fallback: true } : {}),
            },
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
    account: { decider: accountDecider, commandOf: accountCommandOf },
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
    replayContext: rulesHistory,
    whatIf,
  };
}
