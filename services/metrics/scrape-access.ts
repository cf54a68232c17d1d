import type { FastifyRequest } from 'fastify'
import { tokenChecker } from '../auth/api-token.js'
import { AppError, unauthorized } from '../errors.js'

/**
 * onRequest hook of GET /metrics: off unless METRICS_TOKEN is set, then only with
 * `Authorization: Bearer <METRICS_TOKEN>`. Not "open on loopback": behind a reverse proxy on the
 * same host every request comes from loopback.
 */
export function scrapeAccess (metricsToken: string | undefined) {
  const isMetricsToken = tokenChecker(metricsToken)
  return async function checkScrapeAccess (request: FastifyRequest) {
    if (metricsToken === undefined) throw new AppError(404, 'NOT_FOUND', 'Metrics are off: set METRICS_TOKEN to enable GET /metrics')
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')
    if (!isMetricsToken(match?.[1])) throw unauthorized('A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)')
  }
}
