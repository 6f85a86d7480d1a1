import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Document = { paths?: Record<string, Record<string, Operation>>; components?: unknown };

/** One response as the server sent it. */
export type RecordedResponse = {
  readonly method: string;
  /** The matched route (`/v1/streams/:streamId`), or undefined when no route matched. */
  readonly route: string | undefined;
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  /** The body text, or undefined for a stream (Server-Sent Events, files). */
  readonly body: string | undefined;
};

/** Checks responses against a server's OpenAPI document. */
export type OpenApiContract = {
  /** What is wrong with a response (undocumented status, media type or body), or undefined when the document describes it. */
  check(response: RecordedResponse): string | undefined;
  /** The statuses the document lists for an operation (`4XX` ranges as written). */
  statuses(method: string, route: string): readonly string[];
};

/** `/v1/streams/:streamId` → `/v1/streams/{streamId}`. */
export function openApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Routes the document leaves out on purpose: the docs UI and the explorer's static files. */
function undocumentedByDesign(route: string): boolean {
  return route.startsWith('/docs') || route.startsWith('/explorer');
}

/** Builds the checker from the document the server serves (`app.swagger()`, after `ready`). */
export function openApiContract(document: unknown): OpenApiContract {
  const doc = document as Document;
  const ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }));
  ajv.addSchema({ $id: 'openapi.json', components: doc.components ?? {} } as object);
  const compiled = new Map<unknown, ValidateFunction>();
  const validator = (schema: unknown): ValidateFunction => {
    let validate = compiled.get(schema);
    if (!validate) {
      const rooted = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'),
      ) as object;
      validate = ajv.compile(rooted);
      compiled.set(schema, validate);
    }
    return validate;
  };
  const operation = (method: string, route: string): Operation | undefined =>
    doc.paths?.[openApiPath(route)]?.[(method === 'HEAD' ? 'get' : method).toLowerCase()];
  const documented = (op: Operation, status: number) => {
    const responses = op.responses ?? {};
    return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  };

  return {
    statuses(method, route) {
      return Object.keys(operation(method, route)?.responses ?? {});
    },
    check(response) {
      const { method, route, status, contentType, body } = response;
      const label = `${method} ${response.url.length > 120 ? `${response.url.slice(0, 120)}…` : response.url} → ${status}`;
      if (route !== undefined && undocumentedByDesign(route)) return undefined;
      const mediaType = contentType.split(';')[0]!.trim();
      if (route === undefined || !operation(method, route)) {
        // No operation: the router's own answers (no such route, another method, a path it cannot parse).
        if (![400, 404, 405, 414].includes(status))
          return `${label}: no operation in the document answers ${method} ${route ?? response.url}`;
        if (mediaType !== 'application/problem+json')
          return `${label}: answered ${mediaType || 'no content type'}, not problem+json`;
        return undefined;
      }
      const answer = documented(operation(method, route)!, status);
      if (!answer) return `${label}: status ${status} is not documented for ${method} ${openApiPath(route)}`;
      if (method === 'HEAD' || status === 204 || status === 304) return undefined;
      const content = answer.content ?? {};
      const types = Object.keys(content);
      if (types.length === 0)
        return body ? `${label}: the document says no body, the server sent ${mediaType}` : undefined;
      const json = mediaType === 'application/json' || mediaType === 'application/problem+json';
      const entry =
        content[mediaType] ?? (json ? (content['application/json'] ?? content['application/problem+json']) : undefined);
      if (!entry) return `${label}: answered ${mediaType}, the document says ${types.join(', ')}`;
      if (!json || body === undefined || entry.schema === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return `${label}: the body is not JSON`;
      }
      const validate = validator(entry.schema);
      if (validate(parsed)) return undefined;
      return `${label}: the body does not match the documented schema: ${ajv.errorsText(validate.errors)} in ${body.slice(0, 300)}`;
    },
  };
}

/** What {@link recordContract} collected. */
export type ContractRecorder = {
  /** Responses checked so far. */
  readonly checked: () => number;
  /** Every response the document does not describe. */
  readonly violations: string[];
  /** Throws listing the violations, if any. */
  assertClean(): void;
};

/**
 * Checks every response `app` sends against its own OpenAPI document (an
 * `onSend` hook; install before `ready`/`listen`). Test servers use it, so
 * every end-to-end suite also tests the document: a status, media type or
 * body it does not describe is a violation, reported by `assertClean`.
 */
export function recordContract(app: FastifyInstance): ContractRecorder {
  let contract: OpenApiContract | undefined;
  let checked = 0;
  const violations: string[] = [];
  const routeOf = (request: FastifyRequest): string | undefined =>
    request.is404 ? undefined : request.routeOptions.url;
  app.addHook('onSend', async (request, reply, payload) => {
    // A server without the docs (`docs: false`) has no document to hold it to.
    if (typeof (app as { swagger?: unknown }).swagger !== 'function') return payload;
    contract ??= openApiContract(app.swagger());
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
    const contentType = String(reply.getHeader('content-type') ?? '');
    const violation = contract.check({
      method: request.method,
      route: routeOf(request),
      url: request.url,
      status: reply.statusCode,
      contentType,
      body,
    });
    checked += 1;
    if (violation) violations.push(violation);
    return payload;
  });
  return {
    checked: () => checked,
    violations,
    assertClean() {
      if (violations.length > 0)
        throw new Error(
          `${violations.length} responses the OpenAPI document does not describe:\n${violations.join('\n')}`,
        );
    },
  };
}
