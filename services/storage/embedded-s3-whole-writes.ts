import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type S3rver from '@20minutes/s3rver'

/**
 * s3rver writes a PUT's bytes straight over the object's file, so a PUT cut off mid-body leaves the
 * bytes received so far as the object (an empty one if none came), in place of the object it was
 * replacing. S3 stores an object only once its whole body has arrived. Each streamed write (objects,
 * multipart parts) goes to a file in `partialDirectory` and is renamed into place only when it has
 * ended well. That folder must be on the objects' file system but outside s3rver's root (s3rver
 * takes every folder there for a bucket); a crash mid-write leaves its file there, never listed,
 * until removeStalePartials at the next start reads that one folder.
 */
export function writeObjectsWhole (s3rver: S3rver, partialDirectory: string) {
  const store = s3rver.store
  const { putContent } = store
  store.putContent = async (objectPath, content) => {
    // A buffer has no client to go away mid-body (and s3rver resolves before its file is even opened).
    if (Buffer.isBuffer(content)) return putContent.call(store, objectPath, content)
    const partial = path.join(partialDirectory, `${randomUUID()}.partial`)
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

/** A write running longer than this is not running: the process that made the file is gone. */
const STALE_PARTIAL_MS = 60 * 60 * 1000

/** Deletes what writes cut off by a crash left behind; a file another process may still be writing is kept. */
export async function removeStalePartials (partialDirectory: string, now = Date.now()): Promise<number> {
  let removed = 0
  for (const name of await fs.readdir(partialDirectory)) {
    const file = path.join(partialDirectory, name)
    const stats = await fs.stat(file).catch(() => null)
    if (stats === null || !stats.isFile() || now - stats.mtimeMs < STALE_PARTIAL_MS) continue
    await fs.rm(file, { force: true })
    removed++
  }
  return removed
}
