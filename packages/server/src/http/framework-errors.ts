import { randomUUID } from 'node:crypto';
import { STATUS_CODES, maxHeaderSize as defaultMaxHeaderSize, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem, type Problem } from '../problem.js';

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The request id: the client's `x-request-id` when it is 1 to 200 visible
 * ASCII characters (so it can be echoed in a header and logged as is), else a
 * new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Errors Fastify's router raises before any route runs (Fastify's
 * `frameworkErrors` option): a path that is not valid percent-encoding, and a
 * path parameter longer than the router accepts.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? request.url;
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  let body: Problem;
  if (error.code === 'FST_ERR_BAD_URL') {
    body = problem(400, 'VALIDATION_FAILED', `the path ${shown} is not valid percent-encoding`, { issues: [{ path: 'url', message: 'is not valid percent-encoding' }] });
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    body = problem(414, 'URI_TOO_LONG', `a path parameter of ${shown} is longer than the server accepts`);
  } else {
    request.log.error({ err: error }, 'router failed');
    body = problem(500, 'INTERNAL_ERROR', 'an unexpected error occurred; it was logged with this request id');
  }
  sendProblem(reply, { ...body, instance: shown });
}

/** A request rejected by Node's HTTP parser carries the bytes it had read. */
type ParserError = Error & { code?: string; rawPacket?: unknown };

/**
 * The header limit counts the request line too. `packet` is the chunk the
 * parser failed on: when it starts with a request line that does not end
 * within the limit, it was the URL that did not fit.
 */
function requestLineTooLong(packet: unknown, limit: number): boolean {
  if (!Buffer.isBuffer(packet) || !/^[A-Z]+ \S/.test(packet.subarray(0, 16).toString('latin1'))) return false;
  const end = packet.indexOf('\r\n');
  return end < 0 || end >= limit;
}

/**
 * Answers what Node's HTTP parser rejects before Fastify sees a request
 * (Fastify's `clientErrorHandler` option), as problem+json with a fresh
 * request id: a request line longer than the header limit is 414, headers
 * past it 431, a request that did not arrive in time 408, anything else that
 * is not HTTP 400. The connection is closed afterwards.
 */
export function clientErrorHandler(maxHeaderSize: number = defaultMaxHeaderSize) {
  return (error: ParserError, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let body: Problem;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      body = !requestLineTooLong(error.rawPacket, maxHeaderSize)
        ? problem(431, 'HEADERS_TOO_LARGE', `the request headers exceed the limit of ${maxHeaderSize} bytes`, { limit: maxHeaderSize })
        : problem(414, 'URI_TOO_LONG', `the request line exceeds the limit of ${maxHeaderSize} bytes`, { limit: maxHeaderSize });
    } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      body = problem(408, 'REQUEST_TIMEOUT', 'the request did not arrive in time');
    } else {
      body = problem(400, 'VALIDATION_FAILED', `the request is not valid HTTP (${error.code ?? error.message})`, { issues: [{ path: 'request', message: 'is not valid HTTP' }] });
    }
    const requestId = randomUUID();
    const text = JSON.stringify({ ...body, requestId });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status]}\r\n` +
          `content-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n` +
          `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${text}`,
      );
    }
    // End (not destroy) so the answer is delivered before the FIN; the socket is gone when the client closes.
    socket.end();
    socket.setTimeout(1_000, () => socket.destroy());
  };
}
