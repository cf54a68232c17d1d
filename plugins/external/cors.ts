import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import { corsOrigins } from '../../services/storage/cors-origins.js'

export default fastifyCors

/** The API answers browsers from the same CORS_ORIGINS as the bucket (`*`: any origin). */
export const autoConfig = (fastify: FastifyInstance): FastifyCorsOptions => ({
  // A list is matched exactly and the allowed origin echoed; a list holding `*` answers `*`.
  origin: corsOrigins(fastify.config.CORS_ORIGINS),
  methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
  allowedHeaders: ['authorization', 'content-type'],
  // As the bucket's CORS rule; Chromium caps it at 2 hours anyway.
  maxAge: 3000
})
