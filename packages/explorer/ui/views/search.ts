import { chronicle } from '../api/chronicle';
import type { CategoryEntry } from '../api/types';

/** One stream found by a search. */
export type Found = { readonly streamId: string; readonly version?: number; readonly typeEvents?: number };

/** What a search found; `more` when some source had further pages. */
export type SearchResult = { readonly streams: readonly Found[]; readonly more: boolean };

const LIMIT = 50;
/** A bare id is also tried after this many categories at most (the largest ones). */
const FAN_OUT = 20;

/**
 * Streams matching a query: by event type (the server's catalog), by category
 * (`<category>-<q>` prefix), or by id prefix, where a bare id such as a
 * customer's also matches after each category (`bailey` finds `account-bailey`).
 */
export async function searchStreams(
  query: { q: string; category?: string; type?: string },
  categories: readonly CategoryEntry[],
  signal: AbortSignal,
): Promise<SearchResult> {
  const { q, category, type } = query;
  if (type) {
    const prefix = category ? `${category}-${q}` : q;
    const page = await chronicle.streamsWithType(type, { prefix, limit: LIMIT }, { signal });
    return { streams: page.streams.map((s) => ({ streamId: s.streamId, typeEvents: s.events })), more: page.next !== null };
  }
  if (category) {
    const page = await chronicle.listStreams({ prefix: `${category}-${q}`, limit: LIMIT }, { signal });
    return { streams: page.streams, more: page.next !== null };
  }
  const largest = [...categories].sort((a, b) => b.streams - a.streams).slice(0, FAN_OUT);
  const alsoAfterCategory = q ? largest.filter((c) => !q.startsWith(`${c.category}-`)).map((c) => `${c.category}-${q}`) : [];
  const unique = [...new Set([q, ...alsoAfterCategory])];
  const pages = await Promise.all(unique.map((prefix) => chronicle.listStreams({ prefix, limit: prefix === q ? LIMIT : 20 }, { signal })));
  const byId = new Map<string, Found>();
  for (const page of pages) for (const stream of page.streams) byId.set(stream.streamId, stream);
  const streams = [...byId.values()].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  return { streams, more: pages.some((page) => page.next !== null) };
}
