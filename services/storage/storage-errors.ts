import { StorageConfigError, StorageUnavailableError } from '../errors.js'

/** Provider error codes that mean one of our own settings is wrong, and the setting to check. */
const SETTING_FOR_CODE: Record<string, string> = {
  InvalidAccessKeyId: 'S3_ACCESS_KEY',
  SignatureDoesNotMatch: 'S3_ACCESS_KEY/S3_SECRET_KEY',
  AccessDenied: 'S3_ACCESS_KEY/S3_SECRET_KEY',
  AllAccessDisabled: 'S3_ACCESS_KEY/S3_SECRET_KEY',
  AccountProblem: 'S3_ACCESS_KEY/S3_SECRET_KEY',
  InvalidToken: 'S3_ACCESS_KEY/S3_SECRET_KEY',
  ExpiredToken: 'S3_ACCESS_KEY/S3_SECRET_KEY',
  NoSuchBucket: 'S3_BUCKET_NAME',
  InvalidBucketName: 'S3_BUCKET_NAME',
  AuthorizationHeaderMalformed: 'S3_REGION',
  PermanentRedirect: 'S3_ENDPOINT_URL',
  RequestTimeTooSkewed: 'the system clock (NTP)'
}

/** Storage asks us to slow down: retry soon. */
const THROTTLING_CODES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled',
  'RequestLimitExceeded', 'TooManyRequestsException', 'ProvisionedThroughputExceededException'
])
/** Storage failed or timed out on its side, or could not be reached at all. */
const OUTAGE_CODES = new Set([
  'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED'
])

const THROTTLED_RETRY_AFTER_SECONDS = 5
const OUTAGE_RETRY_AFTER_SECONDS = 30
const MAX_RETRY_AFTER_SECONDS = 3600

interface SdkError {
  name?: string
  code?: string
  $metadata?: { httpStatusCode?: number }
  $response?: { headers?: Record<string, string | undefined> }
}

/** The provider's error code (or the network error's), as S3 and Node name it. */
export function providerCode (err: unknown): string {
  const error = err as SdkError
  if (typeof error.code === 'string' && /^E[A-Z_]+$/.test(error.code)) return error.code
  const name = error.name ?? 'UnknownError'
  const status = error.$metadata?.httpStatusCode
  // HEAD answers have no body, so the SDK only knows the status.
  if (status !== undefined && /^(Unknown|UnknownError|Forbidden|NotFound|\d+)$/.test(name)) return `HTTP ${status}`
  return name
}

function retryAfter (err: SdkError, fallback: number) {
  const seconds = Number(err.$response?.headers?.['retry-after'])
  return Number.isInteger(seconds) && seconds > 0 ? Math.min(seconds, MAX_RETRY_AFTER_SECONDS) : fallback
}

/**
 * The one place where storage errors get their kind: our own settings are wrong (500, an operator
 * must act), storage is throttling or down (503, retry later), or anything else, returned as it
 * came (a 500 for the error handler to log). `bucketCall` marks bucket-level requests, whose
 * bodiless 404 means the bucket does not exist.
 */
export function classifyStorageError (err: unknown, operation: string, { bucketCall = false } = {}): unknown {
  const error = err as SdkError
  const code = providerCode(err)
  const status = error.$metadata?.httpStatusCode
  const setting = SETTING_FOR_CODE[code] ??
    (code === 'HTTP 403' ? SETTING_FOR_CODE.AccessDenied : undefined) ??
    (code === 'HTTP 404' && bucketCall ? SETTING_FOR_CODE.NoSuchBucket : undefined) ??
    (code === 'HTTP 301' ? SETTING_FOR_CODE.PermanentRedirect : undefined)
  if (setting !== undefined) return new StorageConfigError(setting, code, operation, { cause: err })
  if (THROTTLING_CODES.has(code) || status === 429) {
    return new StorageUnavailableError(code, operation, retryAfter(error, THROTTLED_RETRY_AFTER_SECONDS), { cause: err })
  }
  // No HTTP status at all: the request never got an answer (refused, reset, timed out).
  if (OUTAGE_CODES.has(code) || (status !== undefined && status >= 500) || (status === undefined && error.$metadata !== undefined)) {
    return new StorageUnavailableError(code, operation, retryAfter(error, OUTAGE_RETRY_AFTER_SECONDS), { cause: err })
  }
  return err
}
