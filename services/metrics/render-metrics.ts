import promClient, { type Registry } from 'prom-client'
import type { FastifyBaseLogger } from 'fastify'

/** Why an upload request was refused; a fixed set, so the label stays small. */
export type UploadRefusal = 'unauthorized' | 'invalid_request' | 'too_large' | 'not_mp3' | 'object_rejected' | 'not_found' | 'conflict'

const REFUSALS: readonly UploadRefusal[] = ['unauthorized', 'invalid_request', 'too_large', 'not_mp3', 'object_rejected', 'not_found', 'conflict']

const REFUSAL_BY_CODE = new Map<string | undefined, UploadRefusal>([
  ['UNSUPPORTED_MEDIA_TYPE', 'not_mp3'],
  ['UNPROCESSABLE_ENTITY', 'object_rejected']
])

const REFUSAL_BY_STATUS = new Map<number, UploadRefusal>([
  [401, 'unauthorized'],
  [403, 'unauthorized'],
  [404, 'not_found'],
  [409, 'conflict'],
  [413, 'too_large']
])

/** The refusal an error answer stands for; undefined for 5xx (an outage is not a refusal). */
export function refusalOf (error: { statusCode?: number, code?: string }): UploadRefusal | undefined {
  const status = error.statusCode ?? 500
  if (status < 400 || status >= 500) return undefined
  return REFUSAL_BY_CODE.get(error.code) ?? REFUSAL_BY_STATUS.get(status) ?? 'invalid_request'
}

type SweepStatus = 'completed' | 'dry_run' | 'lease_held' | 'failed'
const SWEEP_STATUSES: readonly SweepStatus[] = ['completed', 'dry_run', 'lease_held', 'failed']

/** The fields of a sweep summary the metrics read. */
export interface SweepResult {
  status: 'completed' | 'lease_held'
  dry_run: boolean
  deleted_objects: number
}

export type QueueDepthSource = () => number | Promise<number>

/**
 * The service's own instruments, registered in `register`. Counters with a label start at 0 for
 * every label value, so rates work from the first scrape.
 */
export function createRenderMetrics (register: Registry, log: FastifyBaseLogger) {
  const registers = [register]
  const issued = new promClient.Counter({ name: 'uploads_issued_total', help: 'Presigned upload URLs issued (POST /api/v1/uploads)', registers })
  const completed = new promClient.Counter({ name: 'uploads_completed_total', help: 'Uploads verified and stored as renders (direct and proxied)', registers })
  const refused = new promClient.Counter({ name: 'uploads_refused_total', help: 'Upload requests refused, by reason', labelNames: ['reason'] as const, registers })
  const bytes = new promClient.Counter({ name: 'upload_bytes_total', help: 'Bytes of completed uploads', registers })
  const deletionFailures = new promClient.Counter({ name: 'deletion_failures_total', help: 'Object deletions that failed and were postponed', registers })
  const sweeps = new promClient.Counter({ name: 'sweeper_runs_total', help: 'Sweeper runs, by outcome', labelNames: ['status'] as const, registers })
  const sweptObjects = new promClient.Counter({ name: 'sweeper_deleted_objects_total', help: 'Objects deleted by sweeper runs', registers })
  for (const reason of REFUSALS) refused.inc({ reason }, 0)
  for (const status of SWEEP_STATUSES) sweeps.inc({ status }, 0)

  let queueDepthSource: QueueDepthSource | undefined
  new promClient.Gauge({
    name: 'deletion_queue_depth',
    help: 'Object keys waiting in the deletion queue, read at scrape time (NaN when it cannot be read)',
    registers,
    async collect () {
      if (queueDepthSource === undefined) return this.set(Number.NaN)
      try {
        this.set(await queueDepthSource())
      } catch (err) {
        log.warn({ err }, 'could not read the deletion queue depth for /metrics')
        this.set(Number.NaN)
      }
    }
  })

  return {
    uploadIssued () { issued.inc() },
    uploadCompleted (sizeBytes: number) {
      completed.inc()
      bytes.inc(sizeBytes)
    },
    uploadRefused (reason: UploadRefusal) { refused.inc({ reason }) },
    /** An onError hook for upload routes: counts the refusal that the error answer stands for. */
    async countRefusals (_request: unknown, _reply: unknown, error: { statusCode?: number, code?: string }) {
      const reason = refusalOf(error)
      if (reason !== undefined) refused.inc({ reason })
    },
    deletionFailed (count: number) { deletionFailures.inc(count) },
    sweepFinished (result: SweepResult) {
      const status = result.status === 'lease_held' ? 'lease_held' : result.dry_run ? 'dry_run' : 'completed'
      sweeps.inc({ status })
      if (status === 'completed') sweptObjects.inc(result.deleted_objects)
    },
    sweepFailed () { sweeps.inc({ status: 'failed' }) },
    /** Where deletion_queue_depth is read from on each scrape. */
    setQueueDepthSource (source: QueueDepthSource) { queueDepthSource = source }
  }
}

export type RenderMetrics = ReturnType<typeof createRenderMetrics>
