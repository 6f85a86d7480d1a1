import type { Decider, Event } from '@chronicle/core';

// The Downloaded aggregate: one stream per customer + title, so "how many times
// this year" is one short stream instead of a scan of every license (seed 003).
export type TitleDownloaded = Event<'TitleDownloaded', { licenseId: string; deviceId: string; at: string }>;
export type DownloadedEvent = TitleDownloaded;

export type Downloaded = { readonly downloads: readonly { readonly licenseId: string; readonly at: string }[] };

export function applyDownloadedEvent(state: Downloaded, event: DownloadedEvent): Downloaded {
  return { downloads: [...state.downloads, { licenseId: event.data.licenseId, at: event.data.at }] };
}

export const downloadedDecider: Pick<Decider<never, DownloadedEvent, Downloaded>, 'initialState' | 'evolve'> = {
  initialState: () => ({ downloads: [] }),
  evolve: applyDownloadedEvent,
};

export const downloadedStream = (customerId: string, titleId: string): string => `downloaded-${customerId}/${titleId}`;
