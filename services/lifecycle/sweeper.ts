import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { DeletionQueue } from '../deletion/deletion-queue.js'
import type { RenderAttacher } from '../renders/attach-render.js'
import type { MessageDeletion } from '../renders/message-deletion.js'
import type { RenderAcl } from '../renders/render-acl.js'
import { peaksOwnerId, rendersPrefix, uploadsPrefix, type RenderKeys } from '../renders/render-keys.js'
import { INTERRUPTED_AFTER_MS, deletingFields, orphanRecord } from '../renders/render-record.js'
import type { RenderState, Repository, StaleQuery } from '../repository/types.js'
import type { ObjectStorage, StoredObject } from '../storage/types.js'
import { backfillLegacyRenders } from './legacy-renders.js'

const LEASE_NAME = 'render-sweeper'
const LEASE_MS = 10 * 60_000
const CURSOR_STATE = 'render-sweeper:start-after'
const MISSING_REPORT_LIMIT = 100
const WOULD_DELETE_LIMIT = 100
const BATCH = 500
/** A claim or a delete this old was interrupted (a crash): the sweeper finishes it. */

export interface SweepOptions {
  dryRun: boolean
  /**
   * Objects younger than this are never orphans, and ready renders younger than this are given
   * time to be attached to a message.
   */
  orphanGraceMs: number
  /** How long past its URL's expiry a pending upload is kept. */
  pendingGraceMs: number
  onProgress?: (progress: { scanned: number }) => void
  /** Keys per listing page (storage's maximum, 1000, by default). */
  listPageSize?: number
  /**
   * Leave failed deletions to their retry schedule (the in-process timer). By default a sweep is an
   * explicit cleanup (CLI, admin endpoint) and retries every failed deletion now.
   */
  respectBackoff?: boolean
}

export interface SweepSummary {
  status: 'completed' | 'lease_held'
  dry_run: boolean
  expired_uploads: number
  /** Ready renders never attached to a message within the grace period: handed to the deletion worker. */
  unattached_renders: number
  /** Attaches and deletes that a crash interrupted, finished now. */
  repaired: number
  /** Render objects whose ACL was brought to their thread's visibility (a visibility change that did not finish). */
  acl_reconciled: number
  scanned_objects: number
  orphan_objects: number
  deleted_objects: number
  failed_deletions: number
  kept_in_use: number
  /** Dry runs: keys a real sweep would delete (first 100) and how many (a pending upload's staging object goes with its key). */
  would_delete?: string[]
  would_delete_count?: number
  /** Renders whose object is missing from storage (first 100), only after a full scan. */
  missing_objects: string[]
  missing_object_count: number
  resumed: boolean
  started_at: string
  finished_at: string
}

interface Deps {
  repository: Repository
  storage: ObjectStorage
  deletionQueue: DeletionQueue
  renderAttacher: RenderAttacher
  renderAcl: RenderAcl
  messageDeletion: MessageDeletion
  renderKeys: RenderKeys
  env: string
  log: FastifyBaseLogger
  clock?: () => Date
}

/**
 * The lease keeps sweeps from doing the same work twice; safety does not rest on it, since every
 * record a sweep changes is changed by a conditional write, and every record it writes (an orphan's,
 * a seed render's) is an insert its key's uniqueness decides; the deletion worker checks again that
 * no live message names an object before deleting it, and the backfill reads its message again.
 *
 * Guarantees, with the deletion worker, that every object under {ENV}/renders/ and {ENV}/uploads/
 * belongs to a live render or is eventually deleted. One sweeper at a time per database (a lease
 * renewed while it runs); every record it expires is decided by a conditional write.
 */
export function createSweeper (deps: Deps) {
  const { repository, storage, deletionQueue, renderAttacher, renderAcl, messageDeletion, renderKeys, log, clock = () => new Date() } = deps

  return async function sweep (options: SweepOptions): Promise<SweepSummary> {
    const startedAt = clock()
    const holder = randomUUID()
    const summary: SweepSummary = {
      status: 'completed',
      dry_run: options.dryRun,
      expired_uploads: 0,
      unattached_renders: 0,
      repaired: 0,
      acl_reconciled: 0,
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
    const renewLease = () => repository.acquireLease(LEASE_NAME, holder, clock().toISOString(), new Date(clock().getTime() + LEASE_MS).toISOString())
    if (!await renewLease()) return { ...summary, status: 'lease_held' }
    try {
      const ago = (ms: number) => new Date(startedAt.getTime() - ms).toISOString()
      const keepLease = async () => { if (!await renewLease()) throw new Error('lost the sweeper lease') }
      summary.expired_uploads = await expire(options, { states: ['pending', 'verifying'], field: 'expires_at', before: ago(options.pendingGraceMs) }, summary)
      await keepLease()
      summary.unattached_renders = await expire(options, { states: ['ready'], field: 'created_at', before: ago(options.orphanGraceMs), unattachedOnly: true }, summary)
      await keepLease()
      if (!options.dryRun) {
        summary.repaired = await repair(ago(INTERRUPTED_AFTER_MS))
        summary.acl_reconciled = await renderAcl.reconcilePending(BATCH, (err, threadId) => {
          log.warn({ err, threadId }, 'render ACLs of a thread not reconciled; the next sweep retries')
        })
        await backfillLegacyRenders({ repository, renderKeys, log, onlyOnce: true, clock })
        await keepLease()
      }
      for (const prefix of [rendersPrefix(deps.env), uploadsPrefix(deps.env)]) {
        await scanForOrphans(prefix, summary, options, startedAt, keepLease)
      }
      if (!options.dryRun) {
        const outcome = await deletionQueue.runDue({ maxBatches: Number.POSITIVE_INFINITY, ignoreBackoff: options.respectBackoff !== true })
        summary.deleted_objects = outcome.deleted
        summary.failed_deletions = outcome.failed
        summary.kept_in_use = outcome.stillInUse
      }
    } finally {
      await repository.releaseLease(LEASE_NAME, holder)
    }
    summary.finished_at = clock().toISOString()
    log.info({ summary: { ...summary, missing_objects: undefined } }, 'render sweep finished')
    return summary
  }

  /** Hands stale records to the deletion worker, each by a write conditional on the state it was found in. */
  async function expire (options: SweepOptions, query: StaleQuery, summary: SweepSummary): Promise<number> {
    if (options.dryRun) {
      const count = await repository.countStaleRenders(query)
      const sample = await repository.findStaleRenders(query, WOULD_DELETE_LIMIT)
      wouldDelete(summary, sample.map((record) => record.key), count)
      return count
    }
    let total = 0
    for (;;) {
      const stale = await repository.findStaleRenders(query, BATCH)
      let expired = 0
      for (const record of stale) {
        const taken = await repository.updateRenderIf(record.id,
          { state: [record.state as RenderState], ...(query.unattachedOnly === true ? { message_id: null } : {}) },
          deletingFields(clock().toISOString()))
        if (taken !== null) expired++
      }
      total += expired
      if (stale.length < BATCH || expired === 0) return total
    }
  }

  async function repair (before: string): Promise<number> {
    let repaired = await messageDeletion.finishInterrupted(before, BATCH)
    const claims = await repository.findStaleRenders({ states: ['attaching'], field: 'updated_at', before }, BATCH)
    for (const record of claims) await renderAttacher.repairClaim(record)
    repaired += claims.length
    return repaired
  }

  async function scanForOrphans (prefix: string, summary: SweepSummary, options: SweepOptions, now: Date, keepLease: () => Promise<void>) {
    const cutoff = now.getTime() - options.orphanGraceMs
    const cursorState = `${CURSOR_STATE}:${prefix}`
    let startAfter = await repository.getState(cursorState) ?? undefined
    summary.resumed ||= startAfter !== undefined
    const listed = startAfter === undefined && prefix === rendersPrefix(deps.env) ? new Set<string>() : null
    for (;;) {
      const page = await storage.listObjects(prefix, startAfter, options.listPageSize)
      for (const object of page.objects) listed?.add(object.key)
      await recordOrphans(prefix, page.objects.filter((object) => object.lastModified.getTime() < cutoff), summary, options)
      summary.scanned_objects += page.objects.length
      options.onProgress?.({ scanned: summary.scanned_objects })
      if (!page.isTruncated || page.objects.length === 0) break
      startAfter = page.objects[page.objects.length - 1].key
      if (!options.dryRun) await repository.setState(cursorState, startAfter)
      await keepLease()
    }
    if (!options.dryRun) await repository.setState(cursorState, null)
    if (listed !== null) await reportMissing(listed, summary)
  }

  /**
   * An object is an orphan when no record names it and, under the renders prefix, no live message
   * names it either. Its deleting record is inserted with the key's uniqueness: if any record
   * claimed the key meanwhile, the insert fails and the object stays.
   */
  async function recordOrphans (prefix: string, candidates: StoredObject[], summary: SweepSummary, options: SweepOptions) {
    if (candidates.length === 0) return
    const recorded = await repository.recordedKeys(candidates.map(({ key }) => key))
    let unrecorded = candidates.map(({ key }) => key).filter((key) => !recorded.has(key))
    if (prefix === rendersPrefix(deps.env) && unrecorded.length > 0) {
      unrecorded = await withoutLivePeaks(unrecorded)
    }
    if (prefix === rendersPrefix(deps.env) && unrecorded.length > 0) {
      const named = await repository.messagesNaming(unrecorded.map(renderKeys.referenceOf))
      unrecorded = unrecorded.filter((key) => !named.has(key))
    }
    if (options.dryRun) {
      summary.orphan_objects += unrecorded.length
      wouldDelete(summary, unrecorded, unrecorded.length)
      return
    }
    for (const key of unrecorded) {
      if (await repository.insertRender(orphanRecord(key, clock().toISOString()))) summary.orphan_objects++
    }
  }

  /**
   * Waveform files belong to their render: kept while its analysis job exists. The job goes only
   * when the render's deletion has deleted them, so a render's waveform is never taken for an orphan.
   */
  async function withoutLivePeaks (keys: string[]): Promise<string[]> {
    const owners = new Map(keys.map((key) => [key, peaksOwnerId(deps.env, key)]))
    const ownerIds = [...new Set([...owners.values()].filter((id) => id !== null))]
    if (ownerIds.length === 0) return keys
    const analysed = new Set((await repository.findAnalyses(ownerIds)).map((job) => job.render_id))
    return keys.filter((key) => {
      const owner = owners.get(key)
      return owner === null || owner === undefined || !analysed.has(owner)
    })
  }

  /** Dry runs list what they would delete: `count` more records, of which `keys` are a sample. */
  function wouldDelete (summary: SweepSummary, keys: string[], count: number) {
    summary.would_delete ??= []
    summary.would_delete_count = (summary.would_delete_count ?? 0) + count
    summary.would_delete.push(...keys.slice(0, WOULD_DELETE_LIMIT - summary.would_delete.length))
  }

  async function reportMissing (listed: Set<string>, summary: SweepSummary) {
    for await (const key of repository.liveRenderKeys()) {
      if (listed.has(key)) continue
      if (await storage.headObject(key) !== null) continue // stored after the listing passed it
      summary.missing_object_count++
      if (summary.missing_objects.length < MISSING_REPORT_LIMIT) summary.missing_objects.push(key)
    }
    if (summary.missing_object_count > 0) {
      log.error({ count: summary.missing_object_count, sample: summary.missing_objects.slice(0, 5) }, 'renders whose object is missing from storage')
    }
  }
}

