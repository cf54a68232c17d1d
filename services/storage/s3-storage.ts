import type { Readable } from 'node:stream'
import {
  CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsCommand,
  PutBucketCorsCommand, PutObjectAclCommand, PutObjectCommand, S3Client, type S3ClientConfig
} from '@aws-sdk/client-s3'
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner'
import { HttpRequest } from '@smithy/protocol-http'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { UploadInterruptedError } from '../errors.js'
import { classifyStorageError, providerCode } from './storage-errors.js'
import { uploadStream } from './stream-upload.js'
import { createPartBuffers } from './part-buffers.js'
import type { DeleteOutcome, ObjectStorage, PresignedRequest } from './types.js'
import type { ObjectAcl } from '../repository/types.js'

export interface S3StorageOptions {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  bucket: string
  forcePathStyle: boolean
  publicBaseUrl?: string
  /** The ACL objects get unless a call names one. */
  acl: ObjectAcl
  /** The time presigned URLs are signed at (the system clock unless a test moves it). */
  clock?: () => Date
  /** Called by close(), e.g. to stop the embedded server. */
  onClose?: () => Promise<void>
}

const DELETE_BATCH = 1000
/**
 * A streamed upload holds (partsInFlight + 1) × partSize: 15 MiB, from buffers shared by all
 * uploads (part-buffers.ts). S3's minimum part is 5 MiB. A second part in flight keeps the store
 * busy while the next part is signed and sent; against s3rver (`npm run bench:upload`, 86 MiB on
 * 2 cores) it measured 0.48–0.51 proxy ÷ direct against 0.37–0.46 with one, though later runs of
 * either spread over 0.40–0.53: the machine's noise is as large as the gain.
 */
const PART_SIZE = 5 * 1024 * 1024
const PARTS_IN_FLIGHT = 2

/** Runs one storage call; its errors leave with their kind (see classifyStorageError). */
async function classified<T> (operation: string, run: () => Promise<T>, options?: { bucketCall?: boolean }): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw classifyStorageError(err, operation, options)
  }
}

/** Notes the first failure of the client's stream: an error, or a close before its end. */
function watchSource (source: Readable) {
  let failure: unknown
  source.once('error', (err) => { failure ??= err })
  source.once('close', () => { if (!source.readableEnded) failure ??= new Error('the stream closed before its end') })
  return { failure: () => failure }
}

/** One implementation for every S3-compatible store: AWS, DigitalOcean Spaces, MinIO, R2, the embedded server. */
export function createS3Storage (options: S3StorageOptions): ObjectStorage {
  const endpoint = new URL(options.endpoint)
  const clientConfig: S3ClientConfig = {
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    forcePathStyle: options.forcePathStyle,
    // SDK ≥3.729 adds CRC32 checksums that Spaces and other S3-compatible stores reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3000, requestTimeout: 30_000 })
  }
  const client = new S3Client(clientConfig)
  const partLimits = { buffers: createPartBuffers(PART_SIZE, PARTS_IN_FLIGHT + 1), partsInFlight: PARTS_IN_FLIGHT }
  if (options.forcePathStyle) {
    // Bucket-level calls go to "/{bucket}/"; S3 treats it as "/{bucket}", but s3rver signs the
    // latter, so send the form every store agrees on.
    client.middlewareStack.add((next) => async (args) => {
      const request = args.request as { path?: string }
      if (request.path === `/${options.bucket}/`) request.path = `/${options.bucket}`
      return next(args)
    }, { step: 'build', name: 'bucketPathWithoutTrailingSlash' })
  }
  // Built once: the generic getSignedUrl re-resolves endpoints and config on every call.
  const presigner = new S3RequestPresigner({ ...client.config })
  const bucket = options.bucket
  const now = options.clock ?? (() => new Date())
  const objectHost = options.forcePathStyle ? endpoint.host : `${bucket}.${endpoint.host}`
  const objectPathPrefix = options.forcePathStyle ? `/${bucket}/` : '/'
  const publicBase = (options.publicBaseUrl ?? `${endpoint.protocol}//${objectHost}${objectPathPrefix}`).replace(/\/+$/, '') + '/'

  function objectRequest (method: 'PUT' | 'GET', key: string, headers: Record<string, string>) {
    return new HttpRequest({
      method,
      protocol: endpoint.protocol,
      hostname: options.forcePathStyle ? endpoint.hostname : `${bucket}.${endpoint.hostname}`,
      port: endpoint.port === '' ? undefined : Number(endpoint.port),
      path: objectPathPrefix + key.split('/').map(encodeURIComponent).join('/'),
      headers: { host: objectHost, ...headers }
    })
  }

  /** The signed request as a URL; its query values encoded as SigV4 canonicalizes them (a WHATWG URL costs more than the signing). */
  function toUrl (request: { protocol: string, headers: Record<string, string>, path: string, query?: Record<string, unknown> }): string {
    let query = ''
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (typeof value === 'string') query += `${query === '' ? '?' : '&'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`
    }
    return `${request.protocol}//${request.headers.host}${request.path}${query}`
  }

  const storage: ObjectStorage = {
    bucket,
    endpoint: options.endpoint,

    async putObject (key, body, { contentType, acl = options.acl }) {
      const target = { Bucket: bucket, Key: key, ContentType: contentType, ...aclParameter(acl) }
      if (Buffer.isBuffer(body)) {
        return classified('putObject', async () => {
          await client.send(new PutObjectCommand({ ...target, Body: body, ContentLength: body.length }))
          return { size: body.length }
        })
      }
      const watched = watchSource(body)
      try {
        return await uploadStream(client, target, body, partLimits)
      } catch (err) {
        // The source fails first when the client goes away; storage then only sees the abort.
        const failure = watched.failure()
        if (isClientError(failure)) throw failure // e.g. the multipart parser's own 413
        if (failure !== undefined) throw new UploadInterruptedError({ cause: failure })
        throw classifyStorageError(err, 'putObject')
      }
    },

    async headObject (key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        return { size: head.ContentLength ?? 0, contentType: head.ContentType, etag: head.ETag }
      } catch (err) {
        if (isNotFound(err)) return null
        throw classifyStorageError(err, 'headObject')
      }
    },

    async getRange (key, start, end) {
      return classified('getRange', async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }))
        return Buffer.from(await res.Body!.transformToByteArray())
      })
    },

    async copyObject (sourceKey, targetKey, { contentType, acl = options.acl }) {
      try {
        await client.send(new CopyObjectCommand({
          Bucket: bucket,
          Key: targetKey,
          CopySource: `${bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          ContentType: contentType,
          ...aclParameter(acl)
        }))
        return true
      } catch (err) {
        if (isNotFound(err)) return false
        throw classifyStorageError(err, 'copyObject')
      }
    },

    async setObjectAcl (key, acl) {
      try {
        await client.send(new PutObjectAclCommand({ Bucket: bucket, Key: key, ACL: acl }))
        return true
      } catch (err) {
        if (isNotFound(err)) return false
        throw classifyStorageError(err, 'setObjectAcl')
      }
    },

    async deleteObjects (keys) {
      const outcome: DeleteOutcome = { deleted: [], failed: [] }
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH)
        try {
          const res = await client.send(new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true }
          }))
          const failed = new Set<string>()
          for (const error of res.Errors ?? []) {
            if (error.Key === undefined) continue
            failed.add(error.Key)
            outcome.failed.push({ key: error.Key, code: error.Code ?? 'UnknownError', message: error.Message ?? '' })
          }
          outcome.deleted.push(...batch.filter((key) => !failed.has(key)))
        } catch (err) {
          const code = providerCode(err)
          const { message } = err as Error
          outcome.failed.push(...batch.map((key) => ({ key, code, message })))
        }
      }
      return outcome
    },

    async listObjects (prefix, startAfter, maxKeys = 1000) {
      // ListObjects (v1) with Marker: every S3-compatible store has it, and s3rver's v2 continuation
      // tokens use DES, which OpenSSL 3 no longer provides.
      const res = await classified('listObjects', () =>
        client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: startAfter, MaxKeys: maxKeys })), { bucketCall: true })
      return {
        objects: (res.Contents ?? []).map((object) => ({
          key: object.Key!,
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0)
        })),
        isTruncated: res.IsTruncated === true
      }
    },

    async presignPut (key, { contentType, contentLength, expiresInSeconds }): Promise<PresignedRequest> {
      const headers: Record<string, string> = { 'content-type': contentType, 'content-length': String(contentLength) }
      const signingDate = now()
      const signed = await presigner.presign(objectRequest('PUT', key, headers), {
        signingDate,
        expiresIn: expiresInSeconds,
        signableHeaders: new Set(Object.keys(headers))
      })
      return { method: 'PUT', url: toUrl(signed), headers, expiresAt: new Date(signingDate.getTime() + expiresInSeconds * 1000) }
    },

    async presignGet (key, expiresInSeconds) {
      const signingDate = now()
      const signed = await presigner.presign(objectRequest('GET', key, {}), { signingDate, expiresIn: expiresInSeconds })
      return { method: 'GET', url: toUrl(signed), headers: {}, expiresAt: new Date(signingDate.getTime() + expiresInSeconds * 1000) }
    },

    publicUrl (key) {
      return publicBase + key
    },

    keyFromUrl (url) {
      if (!url.startsWith(publicBase)) return null
      const key = url.slice(publicBase.length)
      if (key === '' || /[?#]/.test(key) || key.split('/').some((part) => part === '' || part === '.' || part === '..')) return null
      return key
    },

    urlBases () {
      const virtualHosted = `${endpoint.protocol}//${bucket}.${endpoint.host}/`
      const pathStyle = `${endpoint.protocol}//${endpoint.host}/${bucket}/`
      return [...new Set([publicBase, virtualHosted, pathStyle])]
    },

    async ping () {
      await classified('ping', () => client.send(new HeadBucketCommand({ Bucket: bucket })), { bucketCall: true })
    },

    async putCors (origins) {
      await classified('putCors', () => client.send(new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [{
            AllowedOrigins: origins,
            AllowedMethods: ['GET', 'HEAD', 'PUT'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 3000
          }]
        }
      })), { bucketCall: true })
    },

    async close () {
      client.destroy()
      await options.onClose?.()
    }
  }
  return storage
}

/** A new object without an ACL is private; only public-read is sent (some S3-compatible stores refuse the header). */
function aclParameter (acl: ObjectAcl) {
  return acl === 'public-read' ? { ACL: 'public-read' as const } : {}
}

function isClientError (err: unknown) {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode
  return typeof status === 'number' && status >= 400 && status < 500
}

/** The object is missing; a missing bucket is a configuration error, not a missing object. */
function isNotFound (err: unknown) {
  const error = err as { name?: string, $metadata?: { httpStatusCode?: number } }
  if (error.name === 'NoSuchBucket') return false
  return error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata?.httpStatusCode === 404
}

