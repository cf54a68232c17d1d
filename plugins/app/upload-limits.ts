import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { tooManyRequests } from '../../services/errors.js'
import { createUploadQuota, type UploadQuota } from '../../services/uploads/upload-quota.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts one upload request of the caller's user (UPLOAD_RATE_LIMIT_MAX per window, across all
     * upload routes); 429 with retry-after past the limit. Call once per request, once the caller is
     * known: as a preHandler, or in the handler for a token sent as a form field.
     */
    countUpload (request: FastifyRequest, reply: FastifyReply): Promise<void>
    /** USER_QUOTA_BYTES, checked before an upload URL is issued or an upload stored. */
    checkUploadQuota: UploadQuota
  }
}

export default fp(async function uploadLimitsPlugin (fastify) {
  const { config } = fastify
  // One limiter, so one store, for all upload routes. The service token is not limited: it is the
  // servers' credential, shared by every user of the original clients.
  const check = config.UPLOAD_RATE_LIMIT_MAX === 0
    ? null
    : fastify.createRateLimit({ max: config.UPLOAD_RATE_LIMIT_MAX, timeWindow: config.UPLOAD_RATE_LIMIT_WINDOW_SECONDS * 1000 })

  fastify.decorate('countUpload', async function countUpload (request: FastifyRequest, reply: FastifyReply) {
    if (check === null || request.caller?.kind !== 'user') return
    const limit = await check(request)
    if (limit.isAllowed || !limit.isExceeded) return
    void reply.header('retry-after', String(limit.ttlInSeconds))
    throw tooManyRequests(`Too many upload requests; retry in ${limit.ttlInSeconds} s`)
  })
  fastify.decorate('checkUploadQuota', createUploadQuota(fastify.repository, config.USER_QUOTA_BYTES))
}, { name: 'upload-limits', dependencies: ['config', 'repository', '@fastify/rate-limit'] })
