import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, errorBody } from '../errors.js'
import { isMalformedMultipart } from './multipart-request.js'
import { closeAfterUnreadBody } from './unread-body.js'

const DEPENDENCY_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED'])
const DEPENDENCY_ERROR_NAMES = new Set(['MongoNetworkError', 'MongoServerSelectionError', 'MongoNotConnectedError', 'TimeoutError', 'RequestTimeout'])

/** A database or storage outage: the client may retry later (503), it did nothing wrong. */
function isDependencyFailure (err: Error & { code?: unknown, $metadata?: unknown }) {
  return DEPENDENCY_ERROR_NAMES.has(err.name) ||
    (typeof err.code === 'string' && DEPENDENCY_ERROR_CODES.has(err.code)) ||
    err.$metadata !== undefined
}

/** The one error handler: every error becomes the same JSON shape, never a stack trace. */
export function handleError (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  closeAfterUnreadBody(request, reply)
  if (err instanceof AppError) {
    return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, err.message))
  }
  if (err.validation !== undefined || err.code === 'FST_ERR_VALIDATION') {
    return reply.code(400).send(errorBody(400, 'VALIDATION_ERROR', err.message))
  }
  if (isMalformedMultipart(err)) {
    return reply.code(400).send(errorBody(400, 'MALFORMED_MULTIPART', 'The multipart body is malformed or cut short'))
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return reply.code(status).send(errorBody(status, err.code ?? 'BAD_REQUEST', err.message))
  }
  if (isDependencyFailure(err)) {
    request.log.error({ err }, 'dependency failure')
    return reply.code(503).send(errorBody(503, 'SERVICE_UNAVAILABLE', 'Storage or database is unavailable; try again later'))
  }
  request.log.error({ err }, 'unhandled error')
  return reply.code(500).send(errorBody(500, 'INTERNAL_SERVER_ERROR', 'Internal Server Error'))
}

export function handleNotFound (request: FastifyRequest, reply: FastifyReply) {
  const allowed = request.server.allowedMethods(request.url)
  if (allowed.length > 0) {
    return reply.code(405).header('allow', allowed.join(', '))
      .send(errorBody(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; allowed: ${allowed.join(', ')}`))
  }
  return reply.code(404).send(errorBody(404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`))
}
