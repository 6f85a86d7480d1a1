import { aggregateStream, type EventMetadata, type EventStore, type ExpectedVersion, type LoadedState, type NewEvent, type StreamAppend } from '@chronicle/core';
import { accountDecider, accountStream, type Account } from './domain/account.js';
import { downloadedDecider, downloadedStream, type Downloaded } from './domain/downloaded.js';
import { licenseDecider, licenseStream, type License } from './domain/license.js';

const expect = (version: number): ExpectedVersion => (version === 0 ? 'no_stream' : version);

/** One stream's share of a save. */
export type Change = { readonly streamId: string; readonly events: readonly NewEvent[]; readonly expectedVersion: ExpectedVersion };

/**
 * Repository (seed 003): loads each aggregate by folding its stream, and saves
 * the changes of one decision to several streams in one atomic append, every
 * stream guarded by the version it was loaded at.
 */
export class DownloadsRepository {
  constructor(readonly store: EventStore) {}

  account(customerId: string): Promise<LoadedState<Account>> {
    return aggregateStream(this.store, accountStream(customerId), accountDecider);
  }

  downloaded(customerId: string, titleId: string): Promise<LoadedState<Downloaded>> {
    return aggregateStream(this.store, downloadedStream(customerId, titleId), downloadedDecider);
  }

  license(licenseId: string): Promise<LoadedState<License>> {
    return aggregateStream(this.store, licenseStream(licenseId), licenseDecider);
  }

  /** The expected version for a stream loaded at `version`. */
  static expected = expect;

  /** Saves all changes atomically; metadata (request id, customer id) goes on every event. */
  async save(changes: readonly Change[], metadata: EventMetadata): Promise<void> {
    const appends: StreamAppend[] = changes
      .filter((change) => change.events.length > 0)
      .map((change) => ({ ...change, events: change.events.map((event) => ({ ...event, metadata: { ...metadata, ...event.metadata } })) }));
    if (appends.length === 0) return;
    if (appends.length === 1) await this.store.append(appends[0]!.streamId, appends[0]!.events, appends[0]!.expectedVersion);
    else await this.store.appendMulti(appends);
  }
}
