import fp from 'fastify-plugin'
import type { preHandlerAsyncHookHandler } from 'fastify'
import { createUploadQuota, type UploadQuota } from '../../services/uploads/upload-quota.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler of the upload routes: UPLOAD_RATE_LIMIT_MAX requests per user per window, counted across them. */
    limitUploads: preHandlerAsyncHookHandler
    /** USER_QUOTA_BYTES, checked before an upload URL is issued or an upload stored. */
    checkUploadQuota: UploadQuota
  }
}

export default fp(async function uploadLimitsPlugin (fastify) {
  const { config } = fastify
  // One limiter for all upload routes: its store counts a user's requests to any of them.
  const limit = config.UPLOAD_RATE_LIMIT_MAX === 0
    ? async () => {}
    : fastify.rateLimit({ max: config.UPLOAD_RATE_LIMIT_MAX, timeWindow: config.UPLOAD_RATE_LIMIT_WINDOW_SECONDS * 1000 })
  fastify.decorate('limitUploads', limit as preHandlerAsyncHookHandler)
  fastify.decorate('checkUploadQuota', createUploadQuota(fastify.repository, config.USER_QUOTA_BYTES))
}, { name: 'upload-limits', dependencies: ['config', 'repository', '@fastify/rate-limit'] })
