import type { Route } from './routes.js';

/**
 * Fields whose values name something the explorer can open: a customer page
 * for `customerId`, a license stream for `licenseId` / `licenseIds` (the
 * Downloads service's conventions). Used to turn JSON values into links.
 */
export function referenceOf(key: string | undefined, value: unknown, parentKey?: string): Route | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (key === 'customerId') return { name: 'customer', customerId: value };
  if (key === 'licenseId' || (parentKey === 'licenseIds' && /^\d+$/.test(key ?? ''))) return { name: 'time-travel', streamId: `license-${value}` };
  return undefined;
}

/** The customer a Downloads stream belongs to, when its id says so (`account-<customer>`, `downloaded-<customer>/<title>`). */
export function customerOfStream(streamId: string): string | undefined {
  const account = /^account-(.+)$/.exec(streamId);
  if (account) return account[1];
  const downloaded = /^downloaded-([^/]+)\//.exec(streamId);
  return downloaded?.[1];
}

/** The category of a stream id: the part before the first `-` (as the server defines it). */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}
