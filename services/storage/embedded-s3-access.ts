import type { IncomingMessage } from 'node:http'

export interface AccessRules {
  bucket: string
  /** Only objects under this prefix may ever be read without a signature; null: none may. */
  publicReadPrefix: string | null
  /** Whether the object under the prefix has a public-read ACL. */
  isPublic: (key: string) => boolean
}

/** Characters for which Koa's URL parser (parseurl) leaves its fast path; such URLs are never let through unsigned. */
const UNUSUAL_URL = /[\s#\u00a0\ufeff]/
/** A Host that s3rver can only read as path-style (an IP or localhost), never as a virtual-hosted bucket. */
const PATH_STYLE_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|localhost)(?::\d+)?$/

/**
 * True when s3rver will verify a signature on this request. It looks for exactly these markers
 * (lib/middleware/authentication.js) and serves anything without them as anonymous, so the
 * check must match its own parsing: the Authorization header, or `Signature` / `X-Amz-Algorithm`
 * in the query string as Koa parses it (URLSearchParams over the text after the first `?`).
 */
function claimsSignature (request: IncomingMessage, url: string, query: URLSearchParams | null) {
  if (request.headers.authorization !== undefined) return true
  if (UNUSUAL_URL.test(url) || query === null) return false
  return query.has('Signature') || query.has('X-Amz-Algorithm')
}

/** The query string as Koa parses it: URLSearchParams over the text after the first `?`. */
function queryOf (url: string): URLSearchParams | null {
  const queryStart = url.indexOf('?')
  return queryStart === -1 ? null : new URLSearchParams(url.slice(queryStart + 1))
}

/**
 * The headers a SigV4 request signed (X-Amz-SignedHeaders of a presigned URL, or SignedHeaders in
 * its Authorization header); null for other requests.
 */
function signedHeadersOf (request: IncomingMessage, query: URLSearchParams | null): Set<string> | null {
  const authorization = request.headers.authorization
  const listed = authorization !== undefined
    ? /^AWS4-HMAC-SHA256 .*SignedHeaders=([^,\s]+)/.exec(authorization)?.[1]
    : query?.get('X-Amz-SignedHeaders') ?? undefined
  return listed === undefined ? null : new Set(listed.toLowerCase().split(';'))
}

/**
 * s3rver checks only the headers a request signed, and acts on the others: an unsigned
 * `x-amz-copy-source` turned a presigned PUT for one key into a copy of any other object (a
 * private render included). S3 refuses any `x-amz-*` header a SigV4 request did not sign.
 */
function hasUnsignedAmzHeaders (request: IncomingMessage, query: URLSearchParams | null) {
  const signed = signedHeadersOf(request, query)
  if (signed === null) return false
  return Object.keys(request.headers).some((name) => name.startsWith('x-amz-') && !signed.has(name))
}

/** A browser's CORS preflight: s3rver answers it from the bucket's CORS rules and serves no data. */
function isPreflight (request: IncomingMessage) {
  return request.method === 'OPTIONS' && request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
}

/** GET or HEAD of one object under the public prefix, path-style, without any query (no subresource, no overrides). */
function isPublicObjectRead (request: IncomingMessage, url: string, rules: AccessRules) {
  if (rules.publicReadPrefix === null) return false
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  if (UNUSUAL_URL.test(url) || url.includes('?')) return false
  if (!PATH_STYLE_HOST.test(request.headers.host ?? '')) return false
  const bucketPath = `/${rules.bucket}/`
  if (!url.startsWith(bucketPath)) return false
  let key: string
  try {
    key = decodeURIComponent(url.slice(bucketPath.length))
  } catch {
    return false
  }
  if (!key.startsWith(rules.publicReadPrefix)) return false
  return key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..') && rules.isPublic(key)
}

/**
 * What a real bucket allows: signed requests go on to s3rver, which verifies them, unless they
 * carry `x-amz-*` headers they did not sign; unsigned ones may only be CORS preflights or reads of
 * public objects.
 */
export function mayPass (request: IncomingMessage, rules: AccessRules): boolean {
  const url = request.url ?? '/'
  const query = queryOf(url)
  if (claimsSignature(request, url, query)) return !hasUnsignedAmzHeaders(request, query)
  return isPreflight(request) || isPublicObjectRead(request, url, rules)
}
