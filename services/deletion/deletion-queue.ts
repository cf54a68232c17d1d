import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { DeletionFilter, RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { peaksKeysOf, rendersPrefix, type RenderKeys } from '../renders/render-keys.js'

const BASE_RETRY_MS = 30_000
const MAX_RETRY_MS = 6 * 3600_000
/**
 * How long a worker holds the records it claimed; a worker that died lets them go after this. It
 * outlasts one batch's worst case (DeleteObjects: 3 attempts of at most 30 s each).
 */
const CLAIM_MS = 5 * 60_000
/** Records per claim; each may have two objects, and DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 500
/** Keeps a claim's message-id list well under SQLite's bound-parameter limit, for threads of any size. */
const MESSAGES_PER_CLAIM = 400

function retryDelayMs (attempts: number) {
  return Math.min(BASE_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS)
}

export interface DeletionOutcome {
  deleted: number
  failed: number
  /** Records whose key a live message still names (data written before the rules): kept, not deleted. */
  stillInUse: number
}

interface Deps {
  repository: Repository
  storage: ObjectStorage
  renderKeys: RenderKeys
  env: string
  log: FastifyBaseLogger
  clock?: () => Date
  onFailed?: (count: number) => void
}

/**
 * Deletes the objects of deleting records. A worker claims records with one conditional write, so
 * two workers (two instances, or the API and the CLI) never process the same record at once; a
 * storage outage or a crash only delays the deletion, retried with exponential backoff.
 */
export function createDeletionQueue ({ repository, storage, renderKeys, env, log, clock = () => new Date(), onFailed = () => {} }: Deps) {
  const prefix = rendersPrefix(env)

  /** Whatever the records say, an object a live message names is never deleted: its record is restored. */
  async function keepNamed (records: RenderRecord[]): Promise<Set<string>> {
    const named = await repository.messagesNaming(records.filter((record) => record.key.startsWith(prefix)).map((record) => renderKeys.referenceOf(record.key)))
    for (const record of records) {
      const messageId = named.get(record.key)
      if (messageId === undefined) continue
      log.error({ key: record.key, message_id: messageId }, 'a render queued for deletion is still named by a message; kept')
      await repository.updateRenderIf(record.id, { state: ['deleting'] },
        { state: 'attached', message_id: messageId, claimed_by: null, next_attempt_at: null, updated_at: clock().toISOString() })
    }
    return new Set(named.keys())
  }

  async function process (records: RenderRecord[], holder: string): Promise<DeletionOutcome> {
    const outcome: DeletionOutcome = { deleted: 0, failed: 0, stillInUse: 0 }
    if (records.length === 0) return outcome
    const named = await keepNamed(records)
    outcome.stillInUse = records.filter((record) => named.has(record.key)).length
    const toDelete = records.filter((record) => !named.has(record.key))
    if (toDelete.length === 0) return outcome
    // A render's waveform files go with it (deleting a key that was never written succeeds).
    const objectsOf = (record: RenderRecord) => {
      const peaks = peaksKeysOf(env, record.key)
      return [record.key, ...(record.upload_key === null ? [] : [record.upload_key]), ...(peaks === null ? [] : [peaks.overview, peaks.zoom])]
    }
    const { failed } = await storage.deleteObjects(toDelete.flatMap(objectsOf))
    const failure = new Map(failed.map((entry) => [entry.key, entry]))
    const done = toDelete.filter((record) => objectsOf(record).every((key) => !failure.has(key)))
    const retry = toDelete.filter((record) => !done.includes(record))
    await repository.finishDeletions(done.map((record) => record.id), holder)
    await repository.removeAnalyses(done.map((record) => record.id))
    for (const record of done) log.info({ key: record.key }, 'deleted render object')
    if (retry.length > 0) {
      const now = clock().getTime()
      await repository.postponeDeletions(retry.map((record) => {
        const error = objectsOf(record).map((key) => failure.get(key)).find((entry) => entry !== undefined)!
        return {
          id: record.id,
          next_attempt_at: new Date(now + retryDelayMs(record.attempts + 1)).toISOString(),
          last_error: `${error.code}: ${error.message}`.slice(0, 500)
        }
      }), holder)
      log.warn({ failed: retry.length, firstError: failed[0].code }, 'failed to delete render objects; will retry')
      onFailed(retry.length)
    }
    outcome.deleted = done.length
    outcome.failed = retry.length
    return outcome
  }

  /** Claims and processes batches until nothing (more) matches, or `maxBatches`. */
  async function run (only: DeletionFilter, maxBatches: number): Promise<DeletionOutcome & { batches: number }> {
    const total = { deleted: 0, failed: 0, stillInUse: 0, batches: 0 }
    const holder = randomUUID()
    while (total.batches < maxBatches) {
      const now = clock()
      const records = await repository.claimDueDeletions(now.toISOString(), holder, new Date(now.getTime() + CLAIM_MS).toISOString(), DELETE_BATCH, only)
      if (records.length === 0) break
      const outcome = await process(records, holder)
      total.batches++
      total.deleted += outcome.deleted
      total.failed += outcome.failed
      total.stillInUse += outcome.stillInUse
      if (records.length < DELETE_BATCH || outcome.failed > 0) break
    }
    return total
  }

  return {
    /** Deletes the objects of these records now (best effort, right after they were marked). */
    deleteRecords: (ids: string[]) => run({ ids }, 1),
    /** Deletes the objects of the records of these (deleted) messages now, a few hundred messages per claim. */
    async deleteForMessages (messageIds: string[]): Promise<DeletionOutcome> {
      const total: DeletionOutcome = { deleted: 0, failed: 0, stillInUse: 0 }
      for (let i = 0; i < messageIds.length; i += MESSAGES_PER_CLAIM) {
        const outcome = await run({ messageIds: messageIds.slice(i, i + MESSAGES_PER_CLAIM) }, Number.POSITIVE_INFINITY)
        total.deleted += outcome.deleted
        total.failed += outcome.failed
        total.stillInUse += outcome.stillInUse
      }
      return total
    },
    /** One worker pass over due records; `ignoreBackoff` also takes those waiting for a retry (explicit cleanup). */
    runDue: (options: { maxBatches?: number, ignoreBackoff?: boolean } = {}) =>
      run({ ignoreBackoff: options.ignoreBackoff }, options.maxBatches ?? 10)
  }
}

export type DeletionQueue = ReturnType<typeof createDeletionQueue>
