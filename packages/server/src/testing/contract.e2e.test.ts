import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  // The violations below are on purpose: close without asserting on them.
  server?.contract.violations.splice(0);
  await server?.close();
  server = undefined;
});

describe('the OpenAPI contract check of the test servers', () => {
  it('checks every response, and a status, media type or body the document does not describe is a violation', async () => {
    server = await startTestServer({
      plugins: [
        (app) => {
          app.get(
            '/v1/drift/status',
            { schema: { tags: ['test'], documented: { 200: { description: 'x', type: 'object' } } } },
            async (_request, reply) => reply.code(202).send({ ok: true }),
          );
          app.get(
            '/v1/drift/body',
            {
              schema: {
                tags: ['test'],
                documented: {
                  200: { description: 'x', type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
                },
              },
            },
            async () => ({ n: 'one' }),
          );
          app.get(
            '/v1/drift/type',
            { schema: { tags: ['test'], response: { 200: { type: 'object' } } } },
            async (_request, reply) => reply.type('text/html').send('<p>hi</p>'),
          );
        },
      ],
    });
    await server.request('POST', '/v1/streams/fine', { body: { events: [{ type: 'T', data: {} }] } });
    await server.request('GET', '/v1/streams/fine');
    await server.request('GET', '/v1/nowhere');
    expect(server.contract.violations).toEqual([]);
    expect(server.contract.checked()).toBe(3);
    await server.request('GET', '/v1/drift/status');
    await server.request('GET', '/v1/drift/body');
    await server.request('GET', '/v1/drift/type');
    const [status, body, type] = server.contract.violations;
    expect(status).toContain('status 202 is not documented for GET /v1/drift/status');
    expect(body).toContain('does not match the documented schema: data/n must be integer');
    expect(type).toContain('answered text/html, the document says application/json');
    expect(() => server!.contract.assertClean()).toThrow('3 responses the OpenAPI document does not describe');
  });
});
