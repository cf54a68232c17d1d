import type { Readable } from 'node:stream'
import type { ObjectAcl } from '../repository/types.js'

export interface StoredObject {
  key: string
  size: number
  lastModified: Date
}

export interface ObjectHead {
  size: number
  contentType: string | undefined
  etag: string | undefined
}

export interface PresignedRequest {
  method: 'PUT' | 'GET'
  url: string
  /** Headers the client must send exactly as given (they are signed). */
  headers: Record<string, string>
  expiresAt: Date
}

export interface DeleteOutcome {
  deleted: string[]
  failed: Array<{ key: string, code: string, message: string }>
}

/**
 * The one storage interface. A single S3 implementation serves AWS, DigitalOcean Spaces,
 * MinIO, R2 and the embedded server alike.
 */
export interface ObjectStorage {
  readonly bucket: string
  /** The S3 endpoint, without the bucket (the embedded server's real address in embedded mode). */
  readonly endpoint: string
  /** Streams the body to storage (multipart for large bodies); returns the stored size. `acl` defaults to RENDER_ACL. */
  putObject (key: string, body: Readable | Buffer, options: { contentType: string, acl?: ObjectAcl }): Promise<{ size: number }>
  /** Null when the object does not exist. */
  headObject (key: string): Promise<ObjectHead | null>
  /** Bytes [start, end] inclusive (fewer at the end of the object). */
  getRange (key: string, start: number, end: number): Promise<Buffer>
  /** Server-side copy within the bucket, with `acl` (default RENDER_ACL); false when the source does not exist. */
  copyObject (sourceKey: string, targetKey: string, options: { contentType: string, acl?: ObjectAcl }): Promise<boolean>
  /** PutObjectAcl with a canned ACL; false when the object does not exist. */
  setObjectAcl (key: string, acl: ObjectAcl): Promise<boolean>
  /** Batched DeleteObjects, at most 1000 keys per call; per-key errors are reported, never thrown. */
  deleteObjects (keys: string[]): Promise<DeleteOutcome>
  /** One page (at most `maxKeys`, 1000 by default) in key order, starting after `startAfter`. */
  listObjects (prefix: string, startAfter?: string, maxKeys?: number): Promise<{ objects: StoredObject[], isTruncated: boolean }>
  /** A PUT bound to this key, type and size; the object it writes is private (copyObject gives renders their ACL). */
  presignPut (key: string, options: { contentType: string, contentLength: number, expiresInSeconds: number }): Promise<PresignedRequest>
  presignGet (key: string, expiresInSeconds: number): Promise<PresignedRequest>
  /** The URL clients play from: CDN / public base + key. */
  publicUrl (key: string): string
  /** The key under our public base, or null when the url is not ours. */
  keyFromUrl (url: string): string | null
  /** Every base a url of one of our objects may start with: the public base, then the endpoint's virtual-hosted and path-style forms. */
  urlBases (): string[]
  /** HeadBucket; throws when the bucket is unreachable. */
  ping (): Promise<void>
  putCors (origins: string[]): Promise<void>
  close (): Promise<void>
}
