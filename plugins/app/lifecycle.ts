import fp from 'fastify-plugin'
import { backfillLegacyRenders } from '../../services/lifecycle/legacy-renders.js'
import type { SweepOptions } from '../../services/lifecycle/sweeper.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Sweep options from the configuration, for the in-process timer and the admin endpoint. */
    defaultSweepOptions: Omit<SweepOptions, 'dryRun'>
  }
}

const PENDING_GRACE_MS = 60 * 60_000
/** Failed deletions are retried more often than the full sweep runs. */
const QUEUE_INTERVAL_MS = 60_000

export default fp(async function lifecyclePlugin (fastify) {
  const { repository, deletionQueue, renderKeys, sweep, config, log } = fastify
  fastify.decorate('defaultSweepOptions', { orphanGraceMs: config.ORPHAN_GRACE_SECONDS * 1000, pendingGraceMs: PENDING_GRACE_MS })

  let running: Promise<unknown> = Promise.resolve()
  const runExclusive = (job: () => Promise<unknown>) => {
    running = running.then(job).catch((err: unknown) => log.warn({ err }, 'background cleanup failed; will retry'))
  }
  const timers: NodeJS.Timeout[] = []
  fastify.addHook('onReady', async () => {
    // In the background: seed-era renders get their records without delaying the start.
    runExclusive(() => backfillLegacyRenders({ repository, renderKeys, log }))
    if (config.CLEANUP_INTERVAL_SECONDS === 0) return
    runExclusive(() => deletionQueue.runDue())
    const every = (ms: number, job: () => Promise<unknown>) => timers.push(setInterval(() => runExclusive(job), ms).unref())
    every(config.CLEANUP_INTERVAL_SECONDS * 1000, () => sweep({ dryRun: false, ...fastify.defaultSweepOptions }))
    every(Math.min(QUEUE_INTERVAL_MS, config.CLEANUP_INTERVAL_SECONDS * 1000), () => deletionQueue.runDue())
  })
  fastify.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer)
    await running
  })
}, { name: 'lifecycle', dependencies: ['config', 'storage', 'repository', 'render-services'] })
