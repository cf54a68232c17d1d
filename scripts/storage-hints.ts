/** The seed's troubleshooting section, keyed by the provider's error code. */
const HINTS: Record<string, string[]> = {
  SignatureDoesNotMatch: [
    'S3_ACCESS_KEY / S3_SECRET_KEY do not match (check for stray spaces or an old key)',
    'S3_REGION must be us-east-1 for DigitalOcean Spaces (not the datacenter code such as fra1)',
    'S3_ENDPOINT_URL must not include the bucket name (https://fra1.digitaloceanspaces.com)'
  ],
  InvalidAccessKeyId: ['S3_ACCESS_KEY is unknown to this provider (wrong key, or a key of another provider/region)'],
  AccessDenied: ['the key has no permission on this bucket, or the bucket policy forbids this operation'],
  NoSuchBucket: ['S3_BUCKET_NAME does not exist at this endpoint (Spaces buckets belong to one region: check the endpoint)'],
  AuthorizationHeaderMalformed: ['S3_REGION does not match what the endpoint expects (use us-east-1 for Spaces)'],
  PermanentRedirect: ['the bucket lives in another region: use that region’s endpoint'],
  ECONNREFUSED: ['nothing listens at S3_ENDPOINT_URL (is MinIO / the embedded server running?)'],
  ENOTFOUND: ['the host in S3_ENDPOINT_URL does not resolve: check for typos, and that it does not start with the bucket name'],
  TimeoutError: ['the endpoint did not answer in time: check network access to S3_ENDPOINT_URL'],
  PublicReadFailed: [
    'the object is not publicly readable: renders are uploaded with ACL public-read (RENDER_ACL); check that the provider allows ACLs',
    'with a CDN, S3_PUBLIC_BASE_URL must point at this bucket'
  ],
  // HEAD answers have no body, so the provider's error code is lost; only the status is left.
  'HTTP 403': [
    'a HEAD request was refused: usually S3_ACCESS_KEY / S3_SECRET_KEY are wrong (SignatureDoesNotMatch),',
    'or the key has no access to this bucket; the upload step below shows the provider’s error code'
  ],
  'HTTP 404': ['S3_BUCKET_NAME does not exist at this endpoint (Spaces buckets belong to one region: check the endpoint)'],
  CorsRejected: ['run `npm run storage:cors` so browsers may PUT straight to the bucket']
}

/** Local servers and MinIO answer on one host name, not on bucket.host as Spaces and AWS do. */
const PATH_STYLE_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0|minio|.*\.local|.*minio.*)$/i
const PATH_STYLE_PORTS = new Set(['9000', '9001', '4568'])

/** A hint when S3_FORCE_PATH_STYLE is off but the endpoint looks like MinIO or a local S3 server. */
export function pathStyleHint (endpointUrl: string | undefined, forcePathStyle: boolean): string | undefined {
  if (endpointUrl === undefined || forcePathStyle) return undefined
  const endpoint = new URL(endpointUrl)
  if (!PATH_STYLE_HOSTS.test(endpoint.hostname) && !PATH_STYLE_PORTS.has(endpoint.port)) return undefined
  return `${endpoint.host} looks like MinIO or a local S3 server: set S3_FORCE_PATH_STYLE=true ` +
    '(otherwise requests go to {bucket}.' + endpoint.host + ', which such servers do not answer)'
}

export function errorCodeOf (err: unknown): string {
  const error = err as { name?: string, Code?: string, code?: string, providerCode?: string, cause?: { code?: string }, $metadata?: { httpStatusCode?: number } }
  // Storage errors arrive classified (StorageConfigError, StorageUnavailableError) with the provider's code.
  const code = error.providerCode ?? error.Code ?? error.cause?.code ?? error.code ?? error.name
  if ((code === undefined || code === 'Unknown' || code === 'UnknownError') && error.$metadata?.httpStatusCode !== undefined) {
    return `HTTP ${error.$metadata.httpStatusCode}`
  }
  return code ?? 'UnknownError'
}

export function hintsFor (code: string): string[] {
  return HINTS[code] ?? ['check the server logs and the provider’s status page']
}
