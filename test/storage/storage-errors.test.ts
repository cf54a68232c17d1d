import t from 'tap'
import { StorageConfigError, StorageUnavailableError } from '../../services/errors.js'
import { classifyStorageError, providerCode } from '../../services/storage/storage-errors.js'

/** An error shaped as the AWS SDK throws them: name = the provider's code, status in $metadata. */
const sdkError = (name: string, status?: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(name), { name, $metadata: status === undefined ? { attempts: 3 } : { httpStatusCode: status }, $response: { headers } })

t.test('credential and configuration codes name the setting to check', async (t) => {
  const cases: Array<[Error, string, boolean?]> = [
    [sdkError('InvalidAccessKeyId', 403), 'S3_ACCESS_KEY'],
    [sdkError('SignatureDoesNotMatch', 403), 'S3_ACCESS_KEY/S3_SECRET_KEY'],
    [sdkError('AccessDenied', 403), 'S3_ACCESS_KEY/S3_SECRET_KEY'],
    [sdkError('Unknown', 403), 'S3_ACCESS_KEY/S3_SECRET_KEY'], // a HEAD refused: no body, no code
    [sdkError('NoSuchBucket', 404), 'S3_BUCKET_NAME'],
    [sdkError('NotFound', 404), 'S3_BUCKET_NAME', true], // HeadBucket's bodiless 404
    [sdkError('AuthorizationHeaderMalformed', 400), 'S3_REGION'],
    [sdkError('PermanentRedirect', 301), 'S3_ENDPOINT_URL'],
    [sdkError('301', 301), 'S3_ENDPOINT_URL'],
    [sdkError('RequestTimeTooSkewed', 403), 'the system clock (NTP)']
  ]
  for (const [err, setting, bucketCall] of cases) {
    const classified = classifyStorageError(err, 'op', { bucketCall })
    t.ok(classified instanceof StorageConfigError, `${err.name} is a configuration error`)
    t.match(classified, { statusCode: 500, setting, operation: 'op', cause: err })
  }
})

t.test('throttling, 5xx, timeouts and network errors are 503 with a retry-after', async (t) => {
  const cases: Array<[Error, number]> = [
    [sdkError('SlowDown', 503), 5],
    [sdkError('ThrottlingException', 400), 5],
    [sdkError('Unknown', 429), 5],
    [sdkError('SlowDown', 503, { 'retry-after': '12' }), 12],
    [sdkError('SlowDown', 503, { 'retry-after': '999999' }), 3600],
    [sdkError('SlowDown', 503, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }), 5],
    [sdkError('InternalError', 500), 30],
    [sdkError('Unknown', 502), 30],
    [sdkError('RequestTimeout', 400), 30],
    [sdkError('TimeoutError'), 30],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 30],
    [Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }), 30],
    [sdkError('Error'), 30] // the SDK gave up without any answer
  ]
  for (const [err, retryAfterSeconds] of cases) {
    const classified = classifyStorageError(err, 'op')
    t.ok(classified instanceof StorageUnavailableError, `${providerCode(err)} is an outage`)
    t.match(classified, { statusCode: 503, retryAfterSeconds })
  }
})

t.test('anything else comes back unchanged', async (t) => {
  for (const err of [sdkError('NoSuchKey', 404), sdkError('NotFound', 404), sdkError('InvalidRange', 416), new TypeError('a bug of ours')]) {
    t.equal(classifyStorageError(err, 'op'), err, err.name)
  }
})
