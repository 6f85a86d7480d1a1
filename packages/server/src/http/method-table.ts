import Router from 'find-my-way';

/**
 * Which methods each route path answers, to tell "no such route" (404) from
 * "this route, another method" (405). Fed by Fastify's `onRoute` hook; looks
 * paths up with the router Fastify itself uses, so the two agree.
 */
export type MethodTable = {
  add(method: string | readonly string[], url: string): void;
  /** The methods registered for a concrete request path (without the query string). */
  allowed(path: string): string[];
};

/** An empty table; `maxParamLength` as given to Fastify's router. */
export function createMethodTable(maxParamLength: number): MethodTable {
  const router = Router({ maxParamLength });
  const methods = new Set<string>();
  return {
    add(method, url) {
      for (const one of typeof method === 'string' ? [method] : method) {
        methods.add(one);
        if (!router.hasRoute(one as Router.HTTPMethod, url)) router.on(one as Router.HTTPMethod, url, () => undefined);
      }
    },
    allowed(path) {
      return [...methods].filter((method) => router.find(method as Router.HTTPMethod, path) !== null).sort();
    },
  };
}
