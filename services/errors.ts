import { STATUS_CODES } from 'node:http'

/** An error whose status and message are safe to show to the client. */
export class AppError extends Error {
  override name = 'AppError'
  constructor (readonly statusCode: number, readonly code: string, message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

export const badRequest = (message: string) => new AppError(400, 'BAD_REQUEST', message)
export const unauthorized = (message = 'A valid API token is required') => new AppError(401, 'UNAUTHORIZED', message)
export const forbidden = (message = 'This token may not use this endpoint') => new AppError(403, 'FORBIDDEN', message)
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`)
export const conflict = (message: string) => new AppError(409, 'CONFLICT', message)
export const payloadTooLarge = (limit: number) => new AppError(413, 'PAYLOAD_TOO_LARGE', `The file exceeds the ${limit}-byte limit`)
export const quotaExceeded = (remaining: number) =>
  new AppError(413, 'QUOTA_EXCEEDED', `This upload would exceed your storage quota: ${remaining} bytes left`)
export const tooManyRequests = (message: string) => new AppError(429, 'TOO_MANY_REQUESTS', message)
export const unsupportedMediaType = (message: string) => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message)
export const unprocessable = (message: string) => new AppError(422, 'UNPROCESSABLE_ENTITY', message)
/** A render whose object is queued for deletion may not be used again. */
export const renderDeleted = () => new AppError(409, 'RENDER_DELETED', 'This render has been deleted; upload it again')
export const serviceUnavailable = (message: string) => new AppError(503, 'SERVICE_UNAVAILABLE', message)

/**
 * Storage refused the service's own credentials or settings: retrying will not help, an operator
 * must fix `setting`. The client gets a generic 500; the setting goes to the log only.
 */
export class StorageConfigError extends AppError {
  override name = 'StorageConfigError'
  constructor (readonly setting: string, readonly providerCode: string, readonly operation: string, options?: ErrorOptions) {
    super(500, 'STORAGE_MISCONFIGURED', 'The service cannot use its storage; an operator must check its settings', options)
  }
}

/** Storage is throttling, failing (5xx) or unreachable: the client may retry after `retryAfterSeconds`. */
export class StorageUnavailableError extends AppError {
  override name = 'StorageUnavailableError'
  constructor (readonly providerCode: string, readonly operation: string, readonly retryAfterSeconds: number, options?: ErrorOptions) {
    super(503, 'SERVICE_UNAVAILABLE', 'Storage is unavailable; try again later', options)
  }
}

/** The client's upload stream failed or closed before its end (usually the client went away): nothing to do with storage. */
export class UploadInterruptedError extends AppError {
  override name = 'UploadInterruptedError'
  constructor (options?: ErrorOptions) {
    super(400, 'UPLOAD_INTERRUPTED', 'The upload ended before the file was complete', options)
  }
}

/** Body of every error response. */
export function errorBody (statusCode: number, code: string, message: string) {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}
