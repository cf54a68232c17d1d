import { quotaExceeded } from '../errors.js'
import type { Repository } from '../repository/types.js'

/**
 * USER_QUOTA_BYTES: a user's live renders plus their pending uploads' declared sizes may not pass
 * the quota. The check reads the sum, then the caller writes its record: two requests of the same
 * user racing each other can both pass, so a user can exceed the quota by at most the uploads they
 * have in flight at once (each at most MAX_UPLOAD_BYTES; the upload rate limit bounds how many).
 * After a complete, the upload URL still takes a PUT until it expires: that object, at most the
 * declared size, has no record, is not counted, and is deleted by the sweeper as an orphan
 * (ORPHAN_GRACE_SECONDS). The service token has no user and no quota.
 */
export function createUploadQuota (repository: Repository, quotaBytes: number | undefined) {
  return async function checkUploadQuota (userId: string | null, bytes: number): Promise<void> {
    if (quotaBytes === undefined || userId === null) return
    const remaining = Math.max(0, quotaBytes - await repository.storedBytesOf(userId))
    if (bytes > remaining) throw quotaExceeded(remaining)
  }
}

export type UploadQuota = ReturnType<typeof createUploadQuota>
