import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { AnalysisRecord, RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { RenderAcl } from '../renders/render-acl.js'
import { peaksKeysOf } from '../renders/render-keys.js'
import { hasDecoder, UndecodableAudioError } from './decoders/index.js'
import type { AnalysisPool } from './analysis-pool.js'

/** How long a worker holds a job; one that died lets it go after this. A 100 MiB render decodes in well under a minute. */
export const ANALYSIS_CLAIM_MS = 10 * 60_000
const BASE_RETRY_MS = 30_000
/** Attempts before a job is marked failed (30 s, 1, 2, 4 min between them). */
export const MAX_ANALYSIS_ATTEMPTS = 5
const SIGNED_READ_SECONDS = 15 * 60

interface Deps {
  repository: Repository
  storage: ObjectStorage
  pool: AnalysisPool
  /** The waveform files get their render's ACL. */
  renderAcl: Pick<RenderAcl, 'currentAcl'>
  env: string
  /** Jobs run at once (the pool's threads). */
  concurrency: number
  log: FastifyBaseLogger
  clock?: () => Date
}

/**
 * Durable analysis jobs, one per verified render, like the deletion queue: a worker claims jobs with
 * one conditional write, so two instances never analyse one render at once; a crash only delays a
 * job (its claim lapses); failures are retried with backoff, then marked failed with the reason.
 */
export function createAnalysisQueue ({ repository, storage, renderAcl, pool, env, concurrency, log, clock = () => new Date() }: Deps) {
  const holder = randomUUID()
  const now = () => clock().toISOString()
  let stopping = new AbortController()
  let background = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false

  /** Records the job for a render that was just verified; never fails the upload (a lost job is logged). */
  async function enqueue (record: RenderRecord) {
    const at = now()
    const decodable = hasDecoder(record.format)
    try {
      await repository.insertAnalysis({
        render_id: record.id,
        key: record.key,
        format: record.format,
        state: decodable ? 'pending' : 'failed',
        attempts: 0,
        next_attempt_at: decodable ? at : null,
        claimed_by: null,
        last_error: decodable ? null : `No decoder for the format ${record.format}`,
        duration: null,
        sample_rate: null,
        channels: null,
        peak_dbfs: null,
        loudness_lufs: null,
        created_at: at,
        updated_at: at
      })
      // The render may have been deleted since it was verified, its jobs with it; once the job is
      // written a deletion removes it, so the render is read again after the insert. (A render only
      // queued for deletion may still be kept by the worker, and keeps its job.)
      if (await repository.findRender(record.id) === null) {
        await repository.removeAnalyses([record.id])
        return
      }
    } catch (err) {
      log.error({ err, render_id: record.id }, 'could not record the analysis job of a render')
      return
    }
    if (decodable) kick()
  }

  async function analyse (job: AnalysisRecord) {
    const render = await repository.findRender(job.render_id)
    if (render === null || render.state === 'deleting') {
      await repository.removeAnalyses([job.render_id])
      return
    }
    const keys = peaksKeysOf(env, job.key)
    if (keys === null) throw new UndecodableAudioError(`The render's key ${job.key} is outside the renders prefix`)
    const { url } = await storage.presignGet(job.key, SIGNED_READ_SECONDS)
    const result = await pool.run({ url, format: job.format }, stopping.signal)
    const acl = renderAcl.currentAcl(render)
    await storage.putObject(keys.overview, Buffer.from(JSON.stringify(result.overview)), { contentType: 'application/json', acl })
    await storage.putObject(keys.zoom, Buffer.from(JSON.stringify(result.zoom)), { contentType: 'application/json', acl })
    await repository.settleAnalysis(job.render_id, holder, {
      state: 'ready',
      claimed_by: null,
      next_attempt_at: null,
      last_error: null,
      duration: result.duration,
      sample_rate: result.sample_rate,
      channels: result.channels,
      peak_dbfs: result.peak_dbfs,
      loudness_lufs: result.loudness_lufs,
      updated_at: now()
    })
    // Deleted while we decoded: its deletion may have run before our files existed, so they go now.
    const after = await repository.findRender(job.render_id)
    if (after === null || after.state === 'deleting') await storage.deleteObjects([keys.overview, keys.zoom])
    // Its ACL changed while we decoded (a thread's visibility): the files follow (see render-acl.ts).
    else if (renderAcl.currentAcl(after) !== acl) await Promise.all([keys.overview, keys.zoom].map((key) => storage.setObjectAcl(key, renderAcl.currentAcl(after))))
    log.info({ render_id: job.render_id, duration: result.duration }, 'render analysed')
  }

  async function fail (job: AnalysisRecord, err: unknown) {
    if (stopping.signal.aborted) return // shutting down: released, not a failure
    const attempts = job.attempts + 1
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500)
    const final = err instanceof UndecodableAudioError || attempts >= MAX_ANALYSIS_ATTEMPTS
    await repository.settleAnalysis(job.render_id, holder, final
      ? { state: 'failed', attempts, claimed_by: null, next_attempt_at: null, last_error: reason, updated_at: now() }
      : { attempts, claimed_by: null, next_attempt_at: new Date(clock().getTime() + BASE_RETRY_MS * 2 ** (attempts - 1)).toISOString(), last_error: reason, updated_at: now() })
    log.warn({ render_id: job.render_id, attempts, reason }, final ? 'render analysis failed' : 'render analysis failed; will retry')
  }

  /** Claims and analyses due jobs, `concurrency` at a time, until none is due. */
  async function runDue () {
    for (;;) {
      if (stopping.signal.aborted) return
      const at = clock()
      const jobs = await repository.claimDueAnalyses(at.toISOString(), holder, new Date(at.getTime() + ANALYSIS_CLAIM_MS).toISOString(), concurrency)
      if (jobs.length === 0) return
      await Promise.all(jobs.map((job) => analyse(job).catch((err: unknown) => fail(job, err))))
    }
  }

  /** Starts a background pass now, or another right after the running one. */
  function kick () {
    if (!background) return
    if (running !== undefined) {
      again = true
      return
    }
    running = (async () => {
      do {
        again = false
        await runDue().catch((err: unknown) => log.warn({ err }, 'analysis pass failed; will retry'))
      } while (again && background)
    })().finally(() => { running = undefined })
  }

  return {
    enqueue,
    runDue,
    /** Analyses in the background: at once, on every enqueue, and every `intervalMs` (retries, lapsed claims). */
    start (intervalMs: number) {
      stopping = new AbortController()
      background = true
      timer = setInterval(kick, intervalMs).unref()
      kick()
    },
    /** Stops the background work; jobs being analysed are released, due at once for the next instance. */
    async stop () {
      background = false
      clearInterval(timer)
      stopping.abort()
      await running
      await repository.releaseAnalyses(holder, now())
      await pool.close()
    },
    findAnalyses: (renderIds: string[]) => repository.findAnalyses(renderIds)
  }
}

export type AnalysisQueue = ReturnType<typeof createAnalysisQueue>
