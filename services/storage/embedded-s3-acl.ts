import { AsyncLocalStorage } from 'node:async_hooks'
import Database from 'better-sqlite3'
import type S3rver from '@20minutes/s3rver'
import type { S3rverContext } from '@20minutes/s3rver'
import type { ObjectAcl } from '../repository/types.js'

export interface AclRegistry {
  /** The object's canned ACL, or null when no write since ACLs were tracked set one. */
  get (bucket: string, key: string): ObjectAcl | null
  set (bucket: string, key: string, acl: ObjectAcl): void
  remove (bucket: string, key: string): void
  close (): void
}

/**
 * The ACLs in a SQLite file. It sits in s3rver's directory as a file, which s3rver never takes
 * for a bucket (buckets are its subdirectories).
 */
export function openAclRegistry (file: string): AclRegistry {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  db.exec('CREATE TABLE IF NOT EXISTS object_acls (bucket TEXT NOT NULL, key TEXT NOT NULL, acl TEXT NOT NULL, PRIMARY KEY (bucket, key))')
  const select = db.prepare<[string, string], string>('SELECT acl FROM object_acls WHERE bucket = ? AND key = ?').pluck()
  const upsert = db.prepare('INSERT INTO object_acls (bucket, key, acl) VALUES (?, ?, ?) ON CONFLICT (bucket, key) DO UPDATE SET acl = excluded.acl')
  const remove = db.prepare('DELETE FROM object_acls WHERE bucket = ? AND key = ?')
  return {
    get (bucket, key) {
      const acl = select.get(bucket, key)
      return acl === undefined ? null : acl === 'public-read' ? 'public-read' : 'private'
    },
    set (bucket, key, acl) { upsert.run(bucket, key, acl) },
    remove (bucket, key) { remove.run(bucket, key) },
    close () { db.close() }
  }
}

const cannedAcl = (header: string | undefined): ObjectAcl => header === 'public-read' ? 'public-read' : 'private'

/**
 * Gives s3rver the object ACLs it lacks (it ignores `x-amz-acl` and answers PutObjectAcl with
 * NotImplemented). Only its store, which its controllers call after authentication, and
 * authenticated PutObjectAcl requests change the registry, so an unsigned request never changes an ACL.
 * Every write marks the object private before it is stored and gives it its ACL after, so an
 * interrupted write leaves a private object, never a public one.
 */
export function trackObjectAcls (s3rver: S3rver, registry: AclRegistry) {
  const request = new AsyncLocalStorage<S3rverContext>()
  /** Multipart uploads in progress: the ACL named when each was started (S3 applies it at completion). */
  const uploadAcls = new Map<string, ObjectAcl>()
  const store = s3rver.store

  function aclOfRequest (): ObjectAcl {
    const ctx = request.getStore()
    if (ctx === undefined) return 'private'
    const uploadId = ctx.query.uploadId
    if (typeof uploadId === 'string') {
      const acl = uploadAcls.get(uploadId) ?? 'private'
      uploadAcls.delete(uploadId)
      return acl
    }
    return cannedAcl(ctx.get('x-amz-acl'))
  }

  async function written<T> (bucket: string, key: string, write: () => Promise<T>): Promise<T> {
    registry.set(bucket, key, 'private')
    const result = await write()
    registry.set(bucket, key, aclOfRequest())
    return result
  }

  const { putObject, copyObject, deleteObject, initiateUpload } = store
  store.putObject = (object) => written(object.bucket, object.key, () => putObject.call(store, object))
  store.copyObject = (srcBucket, srcKey, destBucket, destKey, metadata) =>
    written(destBucket, destKey, () => copyObject.call(store, srcBucket, srcKey, destBucket, destKey, metadata))
  store.deleteObject = async (bucket, key) => {
    await deleteObject.call(store, bucket, key)
    registry.remove(bucket, key)
  }
  store.initiateUpload = async (bucket, key, uploadId, metadata) => {
    uploadAcls.set(uploadId, cannedAcl(request.getStore()?.get('x-amz-acl')))
    await initiateUpload.call(store, bucket, key, uploadId, metadata)
  }

  // Runs just before s3rver's router: around its authentication and controllers.
  s3rver.middleware.splice(s3rver.middleware.length - 1, 0, async (ctx, next) => {
    try {
      await request.run(ctx, next)
    } catch (err) {
      if (!isAuthenticatedPutAcl(ctx, err)) throw err
      const { bucket, key } = ctx.params as { bucket: string, key: string }
      if (!await store.existsObject(bucket, key)) {
        const S3Error = (err as Error).constructor as new (code: string, message: string) => Error
        throw new S3Error('NoSuchKey', 'The specified key does not exist.')
      }
      registry.set(bucket, key, cannedAcl(ctx.get('x-amz-acl')))
      ctx.status = 200
      ctx.body = ''
    }
  })
}

/** s3rver refuses PutObjectAcl as NotImplemented after it has verified the request's signature. */
function isAuthenticatedPutAcl (ctx: S3rverContext, err: unknown) {
  return ctx.method === 'PUT' && 'acl' in ctx.query && ctx.state.account !== undefined &&
    typeof ctx.params?.bucket === 'string' && typeof ctx.params.key === 'string' &&
    (err as { code?: unknown }).code === 'NotImplemented'
}
