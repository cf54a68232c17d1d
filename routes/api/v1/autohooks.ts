import type { FastifyInstance } from 'fastify'

/** Every /api/v1 route needs a token. */
export default async function apiHooks (fastify: FastifyInstance) {
  // preValidation: before schema validation, which strips unknown fields such as a seed client's `token`.
  fastify.addHook('preValidation', fastify.verifyToken)
  // The OpenAPI document names the scheme on each route, not only as the document's default.
  fastify.addHook('onRoute', (route) => {
    if (route.schema !== undefined && route.schema.security === undefined) route.schema = { ...route.schema, security: [{ bearer: [] }] }
  })
}
