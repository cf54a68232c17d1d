import fp from 'fastify-plugin'

/**
 * Runs the analysis jobs in the background (worker threads) unless ANALYSIS_INTERVAL_SECONDS is 0;
 * on close, jobs being analysed are released for the next start or another instance.
 */
export default fp(async function analysisPlugin (fastify) {
  const { analysisQueue, config } = fastify
  fastify.addHook('onReady', async () => {
    if (config.ANALYSIS_INTERVAL_SECONDS > 0) analysisQueue.start(config.ANALYSIS_INTERVAL_SECONDS * 1000)
  })
  fastify.addHook('onClose', async () => {
    await analysisQueue.stop()
  })
}, { name: 'analysis', dependencies: ['config', 'repository', 'render-services'] })
