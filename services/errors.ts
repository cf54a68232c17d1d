import { STATUS_CODES } from 'node:http'

/** An error whose status and message are safe to show to the client. */
export class AppError extends Error {
  override name = 'AppError'
  constructor (readonly statusCode: number, readonly code: string, message: string) {
    super(message)
  }
}

export const badRequest = (message: string) => new AppError(400, 'BAD_REQUEST', message)
export const unauthorized = (message = 'A valid API token is required') => new AppError(401, 'UNAUTHORIZED', message)
export const forbidden = (message = 'This token may not use this endpoint') => new AppError(403, 'FORBIDDEN', message)
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`)
export const conflict = (message: string) => new AppError(409, 'CONFLICT', message)
export const payloadTooLarge = (limit: number) => new AppError(413, 'PAYLOAD_TOO_LARGE', `The file exceeds the ${limit}-byte limit`)
export const unsupportedMediaType = (message: string) => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message)
export const unprocessable = (message: string) => new AppError(422, 'UNPROCESSABLE_ENTITY', message)
/** A render whose object is queued for deletion may not be used again. */
export const renderDeleted = () => new AppError(409, 'RENDER_DELETED', 'This render has been deleted; upload it again')
export const serviceUnavailable = (message: string) => new AppError(503, 'SERVICE_UNAVAILABLE', message)

/** Body of every error response. */
export function errorBody (statusCode: number, code: string, message: string) {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}
