/** Where the explorer is mounted. */
export const BASE_PATH = '/explorer';

/** The explorer's screens, as the address bar shows them. */
export type Route =
  | { readonly name: 'search'; readonly q: string; readonly category?: string; readonly type?: string }
  | { readonly name: 'stream'; readonly streamId: string; readonly event?: number; readonly newestFirst?: boolean }
  | { readonly name: 'time-travel'; readonly streamId: string; readonly version?: number }
  | { readonly name: 'log'; readonly types?: string; readonly streamPrefix?: string }
  | { readonly name: 'projections' }
  | { readonly name: 'rules' }
  | { readonly name: 'customer'; readonly customerId: string }
  | { readonly name: 'not-found'; readonly path: string };

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Event types as the log filter keeps them: comma-separated, trimmed, no empty or repeated entries. */
export function normalizeTypes(text: string): string {
  return [...new Set(text.split(',').map((type) => type.trim()).filter((type) => type !== ''))].join(',');
}

/** Reads a route from a location's path and query (`?a=b`). */
export function parseRoute(pathname: string, search = ''): Route {
  const query = new URLSearchParams(search);
  const rest = pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  const [first, second, third] = parts;
  if (parts.length === 0 || (first === 'search' && parts.length === 1)) {
    const category = query.get('category') || undefined;
    const type = query.get('type') || undefined;
    return { name: 'search', q: query.get('q') ?? '', ...(category ? { category } : {}), ...(type ? { type } : {}) };
  }
  if (first === 'log' && parts.length === 1) {
    const types = normalizeTypes(query.get('types') ?? '') || undefined;
    const streamPrefix = query.get('streamPrefix') || undefined;
    return { name: 'log', ...(types ? { types } : {}), ...(streamPrefix ? { streamPrefix } : {}) };
  }
  if (first === 'projections' && parts.length === 1) return { name: 'projections' };
  if (first === 'rules' && parts.length === 1) return { name: 'rules' };
  const id = second === undefined ? undefined : decode(second);
  if (first === 'customers' && id && parts.length === 2) return { name: 'customer', customerId: id };
  if (first === 'streams' && id && parts.length === 2) {
    const event = positiveInt(query.get('event'));
    return { name: 'stream', streamId: id, ...(event ? { event } : {}), ...(query.get('order') === 'newest' ? { newestFirst: true } : {}) };
  }
  if (first === 'streams' && id && third === 'time-travel' && parts.length === 3) {
    const version = positiveInt(query.get('version'));
    return { name: 'time-travel', streamId: id, ...(version !== undefined ? { version } : {}) };
  }
  return { name: 'not-found', path: pathname };
}

function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The address of a route (the inverse of {@link parseRoute}). */
export function routeHref(route: Route): string {
  switch (route.name) {
    case 'search':
      return withQuery(`${BASE_PATH}/`, { q: route.q, category: route.category, type: route.type });
    case 'stream':
      return withQuery(`${BASE_PATH}/streams/${encodeURIComponent(route.streamId)}`, { event: route.event, order: route.newestFirst ? 'newest' : undefined });
    case 'time-travel':
      return withQuery(`${BASE_PATH}/streams/${encodeURIComponent(route.streamId)}/time-travel`, { version: route.version });
    case 'log':
      return withQuery(`${BASE_PATH}/log`, { types: route.types, streamPrefix: route.streamPrefix });
    case 'projections':
      return `${BASE_PATH}/projections`;
    case 'rules':
      return `${BASE_PATH}/rules`;
    case 'customer':
      return `${BASE_PATH}/customers/${encodeURIComponent(route.customerId)}`;
    case 'not-found':
      return route.path;
  }
}
