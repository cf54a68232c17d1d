import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'

export default fastifyRateLimit

/**
 * No route is limited by the plugin itself: the upload routes count their requests through
 * `countUpload` (plugins/app/upload-limits.ts), once the caller is known, per user.
 */
export const autoConfig: RateLimitPluginOptions = {
  global: false,
  keyGenerator: (request) => request.caller?.kind === 'user' ? `user:${request.caller.userId}` : `ip:${request.ip}`
}
