import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, StorageConfigError, StorageUnavailableError, UploadInterruptedError, errorBody } from '../errors.js'
import { isMalformedMultipart, multipartLimitMessage } from './multipart-request.js'
import { closeAfterUnreadBody } from './unread-body.js'

// Storage errors arrive classified (services/storage/storage-errors.ts); these are the database's.
const DEPENDENCY_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED'])
const DEPENDENCY_ERROR_NAMES = new Set(['MongoNetworkError', 'MongoServerSelectionError', 'MongoNotConnectedError', 'TimeoutError'])

/** A database outage: the client may retry later (503), it did nothing wrong. */
function isDependencyFailure (err: Error & { code?: unknown }) {
  return DEPENDENCY_ERROR_NAMES.has(err.name) || (typeof err.code === 'string' && DEPENDENCY_ERROR_CODES.has(err.code))
}

/** The client closed the connection before we answered: whatever failed after that is a consequence, not an outage. */
function clientWentAway (request: FastifyRequest) {
  return request.raw.destroyed && !request.raw.complete
}

/** Errors we raised ourselves say what to log: storage settings for an operator, outages, client aborts. */
function logAppError (request: FastifyRequest, err: AppError) {
  if (err instanceof StorageConfigError) {
    request.log.error({ storageError: err.providerCode, operation: err.operation, setting: err.setting },
      `storage refused the service's configuration: check ${err.setting}`)
  } else if (err instanceof StorageUnavailableError) {
    request.log.error({ storageError: err.providerCode, operation: err.operation }, 'storage unavailable')
  } else if (err instanceof UploadInterruptedError) {
    request.log.info({ reason: (err.cause as Error | undefined)?.message }, 'upload interrupted by the client')
  }
}

/** The one error handler: every error becomes the same JSON shape, never a stack trace. */
export function handleError (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  closeAfterUnreadBody(request, reply)
  if (err instanceof AppError) {
    logAppError(request, err)
    if (err instanceof StorageUnavailableError) void reply.header('retry-after', String(err.retryAfterSeconds))
    return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, err.message))
  }
  if (err.validation !== undefined || err.code === 'FST_ERR_VALIDATION') {
    return reply.code(400).send(errorBody(400, 'VALIDATION_ERROR', err.message))
  }
  if (isMalformedMultipart(err)) {
    return reply.code(400).send(errorBody(400, 'MALFORMED_MULTIPART', 'The multipart body is malformed or cut short'))
  }
  const limitMessage = multipartLimitMessage(err)
  if (limitMessage !== null) return reply.code(400).send(errorBody(400, 'BAD_REQUEST', limitMessage))
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return reply.code(status).send(errorBody(status, err.code ?? 'BAD_REQUEST', err.message))
  }
  if (clientWentAway(request)) {
    request.log.info({ reason: err.message }, 'client closed the connection before the request was complete')
    return reply.code(400).send(errorBody(400, 'CLIENT_ABORTED', 'The request ended before it was complete'))
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
