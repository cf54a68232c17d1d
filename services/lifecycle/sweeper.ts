import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { DeletionQueue } from '../deletion/deletion-queue.js'
import type { Repository } from '../repository/types.js'
import type { ObjectStorage, StoredObject } from '../storage/types.js'
import { rendersPrefix } from '../renders/render-keys.js'

const LEASE_NAME = 'render-sweeper'
const LEASE_MS = 10 * 60_000
const CURSOR_STATE = 'render-sweeper:start-after'
const MISSING_REPORT_LIMIT = 100
const EXPIRY_BATCH = 1000

export interface SweepOptions {
  dryRun: boolean
  /**
   * Objects younger than this are never orphans (an upload may still be on its way to a record),
   * and ready renders younger than this are given time to be attached to a message.
   */
  orphanGraceMs: number
  /** How long past its URL's expiry a pending upload is kept. */
  pendingGraceMs: number
  onProgress?: (progress: { scanned: number }) => void
}

export interface SweepSummary {
  status: 'completed' | 'lease_held'
  dry_run: boolean
  expired_uploads: number
  /** Ready renders never attached to a message within the grace period: expired and queued for deletion. */
  unattached_renders: number
  scanned_objects: number
  orphan_objects: number
  deleted_objects: number
  failed_deletions: number
  kept_in_use: number
  /** Renders whose object is missing from storage (first 100), only after a full scan. */
  missing_objects: string[]
  missing_object_count: number
  resumed: boolean
  started_at: string
  finished_at: string
}

/**
 * Guarantees, with the deletion queue, that every object under {ENV}/renders/ belongs to a live
 * render or is eventually deleted. One sweeper at a time per database (a lease), resumable listing.
 */
export function createSweeper (deps: { repository: Repository, storage: ObjectStorage, deletionQueue: DeletionQueue, env: string, log: FastifyBaseLogger }) {
  const { repository, storage, deletionQueue, log } = deps
  const prefix = rendersPrefix(deps.env)

  return async function sweep (options: SweepOptions): Promise<SweepSummary> {
    const startedAt = new Date()
    const holder = randomUUID()
    const summary: SweepSummary = {
      status: 'completed',
      dry_run: options.dryRun,
      expired_uploads: 0,
      unattached_renders: 0,
      scanned_objects: 0,
      orphan_objects: 0,
      deleted_objects: 0,
      failed_deletions: 0,
      kept_in_use: 0,
      missing_objects: [],
      missing_object_count: 0,
      resumed: false,
      started_at: startedAt.toISOString(),
      finished_at: startedAt.toISOString()
    }
    const renewLease = () => repository.acquireLease(LEASE_NAME, holder, new Date().toISOString(), new Date(Date.now() + LEASE_MS).toISOString())
    if (!await renewLease()) return { ...summary, status: 'lease_held' }
    try {
      await expireUploads(summary, options, startedAt)
      await expireUnattachedRenders(summary, options, startedAt)
      await scanForOrphans(summary, options, startedAt, renewLease)
      if (!options.dryRun) {
        const outcome = await deletionQueue.runDue(Number.POSITIVE_INFINITY)
        summary.deleted_objects = outcome.deleted
        summary.failed_deletions = outcome.failed
        summary.kept_in_use = outcome.stillInUse
      }
    } finally {
      await repository.releaseLease(LEASE_NAME, holder)
    }
    summary.finished_at = new Date().toISOString()
    log.info({ summary: { ...summary, missing_objects: undefined } }, 'render sweep finished')
    return summary
  }

  /** Expires in batches of EXPIRY_BATCH and returns how many; a dry run only counts. */
  async function expireInBatches (options: SweepOptions, count: () => Promise<number>, expire: () => Promise<unknown[]>): Promise<number> {
    if (options.dryRun) return count()
    let total = 0
    for (;;) {
      const expired = await expire()
      total += expired.length
      if (expired.length < EXPIRY_BATCH) return total
    }
  }

  async function expireUploads (summary: SweepSummary, options: SweepOptions, now: Date) {
    const before = new Date(now.getTime() - options.pendingGraceMs).toISOString()
    summary.expired_uploads = await expireInBatches(options,
      () => repository.countExpiredPendingUploads(before),
      () => repository.expirePendingUploads(before, EXPIRY_BATCH))
  }

  /** A render attached meanwhile keeps its object: the queue refuses keys a message render still uses. */
  async function expireUnattachedRenders (summary: SweepSummary, options: SweepOptions, now: Date) {
    const before = new Date(now.getTime() - options.orphanGraceMs).toISOString()
    summary.unattached_renders = await expireInBatches(options,
      () => repository.countUnattachedRenders(before),
      () => repository.expireUnattachedRenders(before, EXPIRY_BATCH))
  }

  async function scanForOrphans (summary: SweepSummary, options: SweepOptions, now: Date, renewLease: () => Promise<boolean>) {
    const cutoff = now.getTime() - options.orphanGraceMs
    let startAfter = await repository.getState(CURSOR_STATE) ?? undefined
    summary.resumed = startAfter !== undefined
    const listed = summary.resumed ? null : new Set<string>()
    for (;;) {
      const page = await storage.listObjects(prefix, startAfter)
      for (const object of page.objects) listed?.add(object.key)
      await recordOrphans(page.objects.filter((object) => object.lastModified.getTime() < cutoff), summary, options)
      summary.scanned_objects += page.objects.length
      options.onProgress?.({ scanned: summary.scanned_objects })
      if (!page.isTruncated || page.objects.length === 0) break
      startAfter = page.objects[page.objects.length - 1].key
      if (!options.dryRun) await repository.setState(CURSOR_STATE, startAfter)
      if (!await renewLease()) throw new Error('lost the sweeper lease')
    }
    if (!options.dryRun) await repository.setState(CURSOR_STATE, null)
    if (listed !== null) await reportMissing(listed, summary)
  }

  /** Orphans are queued in the database first; the queue deletes them in batches of 1000. */
  async function recordOrphans (candidates: StoredObject[], summary: SweepSummary, options: SweepOptions) {
    if (candidates.length === 0) return
    const referenced = await repository.referencedKeys(candidates.map(({ key }) => ({ key, url: storage.publicUrl(key) })))
    const unreferenced = candidates.filter(({ key }) => !referenced.has(key)).map(({ key }) => key)
    // Keys already queued (an expired upload, a deleted message) are the queue's, not new orphans.
    const queued = new Set((await repository.findDeletions(unreferenced)).map(({ key }) => key))
    const orphans = unreferenced.filter((key) => !queued.has(key))
    summary.orphan_objects += orphans.length
    if (!options.dryRun && orphans.length > 0) await repository.enqueueDeletions(orphans, new Date().toISOString())
  }

  async function reportMissing (listed: Set<string>, summary: SweepSummary) {
    for await (const key of repository.allRenderKeys()) {
      if (!key.startsWith(prefix) || listed.has(key)) continue
      if (await storage.headObject(key) !== null) continue // stored after the listing passed it
      summary.missing_object_count++
      if (summary.missing_objects.length < MISSING_REPORT_LIMIT) summary.missing_objects.push(key)
    }
    if (summary.missing_object_count > 0) {
      log.error({ count: summary.missing_object_count, sample: summary.missing_objects.slice(0, 5) }, 'renders whose object is missing from storage')
    }
  }
}

export type Sweeper = ReturnType<typeof createSweeper>
