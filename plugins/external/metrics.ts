import fp from 'fastify-plugin'
import fastifyMetricsModule, { type IMetricsPluginOptions } from 'fastify-metrics'
import promClient from 'prom-client'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { errorResponses } from '../../schemas/common.js'
import { processMetricsRegistry } from '../../services/metrics/process-metrics.js'
import { scrapeAccess } from '../../services/metrics/scrape-access.js'

// fastify-metrics is CommonJS with an `exports.default`.
const fastifyMetrics = fastifyMetricsModule.default

/** After swagger, whose onRoute hook must see the /metrics route to document it. */
export default fp<Partial<IMetricsPluginOptions>>(async function metricsExporter (fastify, opts) {
  await fastify.register(fastifyMetrics, opts)
}, { name: 'metrics-exporter', dependencies: ['config', 'swagger'] })

/** Request durations from 5 ms to a long proxied upload. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

export const autoConfig = (fastify: FastifyInstance): Partial<IMetricsPluginOptions> => {
  // One registry per app, not prom-client's global one: several apps may live in one process (tests).
  const register = new promClient.Registry()
  return {
    // The process metrics are collected once, not by each app; the scrape merges their registry in.
    promClient: { ...promClient, register, collectDefaultMetrics: Object.assign(() => {}, { metricsList: promClient.collectDefaultMetrics.metricsList }) },
    defaultMetrics: { enabled: true, register: processMetricsRegistry() },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      // Labelled by the route pattern (request.routeOptions.url), never by the raw URL with its ids.
      registeredRoutesOnly: true,
      overrides: {
        histogram: { name: 'http_request_duration_seconds', buckets: DURATION_BUCKETS, registers: [register] },
        summary: { registers: [] }
      }
    },
    endpoint: scrapeRoute(fastify.config.METRICS_TOKEN) as RouteOptions
  }
}

/** GET /metrics without its handler, which fastify-metrics supplies. */
function scrapeRoute (metricsToken: string | undefined): Omit<RouteOptions, 'handler'> {
  return {
    method: 'GET',
    url: '/metrics',
    logLevel: 'warn',
    config: { disableMetrics: true },
    onRequest: scrapeAccess(metricsToken),
    schema: {
      tags: ['Health'],
      summary: 'Prometheus metrics (off unless METRICS_TOKEN is set)',
      description: 'Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>`; 404 while METRICS_TOKEN is unset.',
      security: [{ metrics: [] }],
      response: { 200: { type: 'string' }, ...errorResponses(401, 404) }
    }
  }
}
