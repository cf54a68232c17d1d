import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import type S3rver from '@20minutes/s3rver'

/**
 * s3rver writes a PUT's bytes straight over the object's file, so a PUT cut off mid-body leaves the
 * bytes received so far as the object (an empty one if none came), in place of the object it was
 * replacing. S3 stores an object only once its whole body has arrived. Each streamed write (objects,
 * multipart parts) goes to a file beside it and is renamed into place only when it has ended well.
 * s3rver lists objects by their file's suffix, which the file being written does not have; a crash
 * mid-write leaves that file, unlisted and never read.
 */
export function writeObjectsWhole (s3rver: S3rver) {
  const store = s3rver.store
  const { putContent } = store
  store.putContent = async (objectPath, content) => {
    // A buffer has no client to go away mid-body (and s3rver resolves before its file is even opened).
    if (Buffer.isBuffer(content)) return putContent.call(store, objectPath, content)
    const partial = `${objectPath}.${randomUUID()}.partial`
    try {
      const written = await putContent.call(store, partial, content)
      await fs.rename(partial, objectPath)
      return written
    } catch (err) {
      await fs.rm(partial, { force: true })
      throw err
    }
  }
}
