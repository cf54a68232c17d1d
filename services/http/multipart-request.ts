import { parse } from 'content-type'
import type { FastifyRequest } from 'fastify'
import { badRequest, unsupportedMediaType } from '../errors.js'

/** Form fields accepted besides the file (the seed's are token, format, bitrate and duration). */
export const MAX_FORM_FIELDS = 10

/** RFC 2046: 1 to 70 characters from this set, not ending with a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/

/** preValidation for multipart routes: refuses a body that cannot be multipart before any of it is read. */
export async function requireMultipartFormData (request: FastifyRequest) {
  const { type, parameters } = parse(request.headers['content-type'] ?? '')
  if (type !== 'multipart/form-data') throw unsupportedMediaType('Send the upload as multipart/form-data')
  if (!BOUNDARY.test(parameters.boundary ?? '')) {
    throw badRequest('multipart/form-data needs a boundary parameter of 1 to 70 characters')
  }
}

/** @fastify/busboy's errors (without a code) for a body that is not the multipart it claims to be, or is cut short. */
const MALFORMED_MULTIPART = /^(Multipart: Boundary not found|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data)$/

export function isMalformedMultipart (err: Error) {
  return MALFORMED_MULTIPART.test(err.message)
}

export const ONE_FILE = 'Send exactly one file, in the field "file"'

/** What to send instead, for @fastify/multipart's limit errors (plugins/external/multipart.ts sets the limits). */
const LIMIT_MESSAGES: Record<string, string> = {
  FST_FILES_LIMIT: ONE_FILE,
  FST_FIELDS_LIMIT: `Send at most ${MAX_FORM_FIELDS} form fields besides the file`
}

export function multipartLimitMessage (err: Error & { code?: unknown }): string | null {
  return typeof err.code === 'string' ? LIMIT_MESSAGES[err.code] ?? null : null
}
