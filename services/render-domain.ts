import type { FastifyBaseLogger } from 'fastify'
import type { AppConfig } from '../config.js'
import { createAnalysisPool } from './analysis/analysis-pool.js'
import { createAnalysisQueue } from './analysis/analysis-queue.js'
import { createWaveformView } from './analysis/waveform-view.js'
import { createDeletionQueue } from './deletion/deletion-queue.js'
import { createSweeper, type SweepOptions, type SweepSummary } from './lifecycle/sweeper.js'
import { createRenderAttacher } from './renders/attach-render.js'
import { createMessageDeletion } from './renders/message-deletion.js'
import { createRenderAcl } from './renders/render-acl.js'
import { createRenderKeys } from './renders/render-keys.js'
import { createRenderView } from './renders/render-view.js'
import type { Repository } from './repository/types.js'
import type { ObjectStorage } from './storage/types.js'
import { createDirectUploads } from './uploads/direct-upload.js'

/** What the render services report as they go (the metrics plugin listens). */
export interface RenderEvents {
  uploadCompleted (sizeBytes: number): void
  deletionFailed (count: number): void
  sweepFinished (summary: SweepSummary): void
  sweepFailed (): void
}

const IGNORED: RenderEvents = { uploadCompleted () {}, deletionFailed () {}, sweepFinished () {}, sweepFailed () {} }

export interface RenderDomainDeps {
  repository: Repository
  storage: ObjectStorage
  config: AppConfig
  log: FastifyBaseLogger
  clock: () => Date
  events?: RenderEvents
}

/** Every render service, wired once over one repository, one storage and one clock. */
export function createRenderDomain ({ repository, storage, config, log, clock, events = IGNORED }: RenderDomainDeps) {
  const renderKeys = createRenderKeys(storage, config.ENV, config.LEGACY_PUBLIC_BASES)
  const deletionQueue = createDeletionQueue({ repository, storage, renderKeys, env: config.ENV, log, clock, onFailed: events.deletionFailed })
  const renderAcl = createRenderAcl({ repository, storage, config })
  const analysisQueue = createAnalysisQueue({
    repository, storage, renderAcl, pool: createAnalysisPool(config.ANALYSIS_THREADS), env: config.ENV, concurrency: config.ANALYSIS_THREADS, log, clock
  })
  const renderAttacher = createRenderAttacher({ repository, storage, renderAcl, config, log, clock })
  const messageDeletion = createMessageDeletion({ repository, renderKeys, deletionQueue, clock })
  const runSweep = createSweeper({ repository, storage, deletionQueue, renderAttacher, renderAcl, messageDeletion, renderKeys, env: config.ENV, log, clock })
  async function sweep (options: SweepOptions): Promise<SweepSummary> {
    try {
      const summary = await runSweep(options)
      events.sweepFinished(summary)
      return summary
    } catch (err) {
      events.sweepFailed()
      throw err
    }
  }
  return {
    renderKeys,
    renderAcl,
    deletionQueue,
    renderAttacher,
    messageDeletion,
    analysisQueue,
    directUploads: createDirectUploads({
      repository, storage, deletionQueue, renderAttacher, renderAcl, config, clock,
      onVerified: async (record) => {
        events.uploadCompleted(record.size_bytes ?? 0)
        await analysisQueue.enqueue(record)
      }
    }),
    renderView: createRenderView({ storage, repository, renderAcl, config, waveformsOf: createWaveformView(analysisQueue.findAnalyses, storage, config) }),
    sweep
  }
}

export type RenderDomain = ReturnType<typeof createRenderDomain>
