import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import { tooManyRequests } from '../../services/errors.js'

export default fastifyRateLimit

/**
 * Only the routes that ask for it are limited (the upload routes, through `limitUploads`). The
 * limit runs after authentication, keyed by the caller's user; a seed client's form-field token is
 * only read by the handler, so such a request is keyed by its address.
 */
export const autoConfig: RateLimitPluginOptions = {
  global: false,
  hook: 'preHandler',
  keyGenerator: (request) => request.caller?.kind === 'user' ? `user:${request.caller.userId}` : `ip:${request.ip}`,
  // The service token is the servers' credential, shared by every user of the original clients.
  allowList: (request) => request.caller?.kind === 'service',
  errorResponseBuilder: (_request, context) => tooManyRequests(`Too many upload requests; retry in ${context.after}`)
}
