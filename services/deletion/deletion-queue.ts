import type { FastifyBaseLogger } from 'fastify'
import type { DeletionJob, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'

const BASE_RETRY_MS = 30_000
const MAX_RETRY_MS = 6 * 3600_000
/** DeleteObjects takes at most 1000 keys per call. */
export const DELETE_BATCH = 1000

export function retryDelayMs (attempts: number) {
  return Math.min(BASE_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS)
}

export interface DeletionOutcome {
  deleted: number
  failed: number
  /** Keys that turned out to be used again (e.g. a delete that crashed halfway): kept, not deleted. */
  stillInUse: number
}

/**
 * Deletes queued keys from storage. Keys are always queued in the database first, so a storage
 * outage or a crash only delays the deletion; the worker retries with exponential backoff.
 */
export function createDeletionQueue (deps: { repository: Repository, storage: ObjectStorage, log: FastifyBaseLogger }) {
  const { repository, storage, log } = deps

  async function process (jobs: DeletionJob[]): Promise<DeletionOutcome> {
    const outcome: DeletionOutcome = { deleted: 0, failed: 0, stillInUse: 0 }
    if (jobs.length === 0) return outcome
    const inUse = await repository.referencedKeys(jobs.map(({ key }) => ({ key, url: storage.publicUrl(key) })))
    if (inUse.size > 0) {
      log.warn({ count: inUse.size }, 'queued keys are still in use; not deleting them')
      await repository.finishDeletions([...inUse])
      outcome.stillInUse = inUse.size
    }
    const toDelete = jobs.filter(({ key }) => !inUse.has(key))
    if (toDelete.length === 0) return outcome
    const { deleted, failed } = await storage.deleteObjects(toDelete.map(({ key }) => key))
    await repository.finishDeletions(deleted)
    for (const key of deleted) log.info({ key }, 'deleted render object')
    if (failed.length > 0) {
      const attemptsOf = new Map(toDelete.map((job) => [job.key, job.attempts]))
      const now = Date.now()
      await repository.postponeDeletions(failed.map(({ key, code, message }) => ({
        key,
        next_attempt_at: new Date(now + retryDelayMs((attemptsOf.get(key) ?? 0) + 1)).toISOString(),
        last_error: `${code}: ${message}`.slice(0, 500)
      })))
      log.warn({ failed: failed.length, firstError: failed[0].code }, 'failed to delete render objects; will retry')
    }
    outcome.deleted = deleted.length
    outcome.failed = failed.length
    return outcome
  }

  return {
    /** Deletes these already-queued keys now (best effort, e.g. right after a message delete). */
    async deleteQueued (keys: string[]): Promise<DeletionOutcome> {
      return process(await repository.findDeletions(keys))
    },
    /** One worker pass over due jobs, in batches of DELETE_BATCH, up to `maxBatches`. */
    async runDue (maxBatches = 10, now = new Date()): Promise<DeletionOutcome & { batches: number }> {
      const total = { deleted: 0, failed: 0, stillInUse: 0, batches: 0 }
      while (total.batches < maxBatches) {
        const jobs = await repository.dueDeletions(now.toISOString(), DELETE_BATCH)
        if (jobs.length === 0) break
        const outcome = await process(jobs)
        total.batches++
        total.deleted += outcome.deleted
        total.failed += outcome.failed
        total.stillInUse += outcome.stillInUse
        if (jobs.length < DELETE_BATCH) break
      }
      return total
    }
  }
}

export type DeletionQueue = ReturnType<typeof createDeletionQueue>
