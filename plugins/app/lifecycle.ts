import fp from 'fastify-plugin'
import { createSweeper, type Sweeper, type SweepOptions } from '../../services/lifecycle/sweeper.js'

declare module 'fastify' {
  interface FastifyInstance {
    sweep: Sweeper
    /** Sweep options from the configuration, for the in-process timer and the admin endpoint. */
    defaultSweepOptions: Omit<SweepOptions, 'dryRun'>
  }
}

const PENDING_GRACE_MS = 60 * 60_000
/** Failed deletions are retried more often than the full sweep runs. */
const QUEUE_INTERVAL_MS = 60_000

export default fp(async function lifecyclePlugin (fastify) {
  const { repository, storage, deletionQueue, config, log } = fastify
  const sweep = createSweeper({ repository, storage, deletionQueue, env: config.ENV, log })
  fastify.decorate('sweep', sweep)
  fastify.decorate('defaultSweepOptions', { orphanGraceMs: config.ORPHAN_GRACE_SECONDS * 1000, pendingGraceMs: PENDING_GRACE_MS })

  if (config.CLEANUP_INTERVAL_SECONDS === 0) return
  let running: Promise<unknown> = Promise.resolve()
  const runExclusive = (job: () => Promise<unknown>) => {
    running = running.then(job).catch((err: unknown) => log.warn({ err }, 'background cleanup failed; will retry'))
  }
  const sweepTimer = setInterval(() => runExclusive(() => sweep({ dryRun: false, ...fastify.defaultSweepOptions })), config.CLEANUP_INTERVAL_SECONDS * 1000)
  const queueTimer = setInterval(() => runExclusive(() => deletionQueue.runDue()), Math.min(QUEUE_INTERVAL_MS, config.CLEANUP_INTERVAL_SECONDS * 1000))
  sweepTimer.unref()
  queueTimer.unref()
  fastify.addHook('onReady', async () => runExclusive(() => deletionQueue.runDue()))
  fastify.addHook('onClose', async () => {
    clearInterval(sweepTimer)
    clearInterval(queueTimer)
    await running
  })
}, { name: 'lifecycle', dependencies: ['config', 'storage', 'repository', 'render-services'] })
