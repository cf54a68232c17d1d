import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from '../errors.js'

/** Errors Node's HTTP parser raises before there is a request; anything else is a malformed request. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'The request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request took too long'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request headers took too long']
}
const MALFORMED: [number, string, string] = [400, 'BAD_REQUEST', 'The HTTP request is malformed']

/**
 * Fastify's `clientErrorHandler`: the JSON error shape on the raw socket, then the connection is
 * closed (the parser cannot continue). Only the error code is logged: the error carries the raw
 * bytes received, which may hold a token.
 */
export function handleClientError (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED
  this.log.info({ clientError: err.code }, 'malformed request refused')
  if (socket.writable) {
    const body = JSON.stringify(errorBody(status, code, message))
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

const FRAMEWORK_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_BAD_URL: [400, 'BAD_URL', 'The URL is not valid'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'URI_TOO_LONG', 'A path segment of the URL is too long']
}

/** Fastify's `frameworkErrors`: the same shape, and never the URL (Fastify's own messages echo it, query token included). */
export function handleFrameworkError (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = FRAMEWORK_ERRORS[err.code]
  if (known === undefined) {
    request.log.error({ code: err.code }, 'framework error')
    return reply.code(500).send(errorBody(500, 'INTERNAL_SERVER_ERROR', 'Internal Server Error'))
  }
  const [status, code, message] = known
  return reply.code(status).send(errorBody(status, code, message))
}
