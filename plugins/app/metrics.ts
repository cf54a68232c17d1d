import fp from 'fastify-plugin'
import { createRenderMetrics, type RenderMetrics } from '../../services/metrics/render-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's own counters and gauges, scraped with the request durations at GET /metrics. */
    renderMetrics: RenderMetrics
  }
}

export default fp(async function renderMetricsPlugin (fastify) {
  const renderMetrics = createRenderMetrics(fastify.metrics.client.register, fastify.log)
  renderMetrics.setQueueDepthSource(() => fastify.repository.countDeletions())
  fastify.decorate('renderMetrics', renderMetrics)
}, { name: 'render-metrics', dependencies: ['fastify-metrics', 'repository'] })
