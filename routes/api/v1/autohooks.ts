import type { FastifyInstance } from 'fastify'

/** Every /api/v1 route needs a token. */
export default async function apiHooks (fastify: FastifyInstance) {
  // preValidation: before schema validation, which strips unknown fields such as a seed client's `token`.
  fastify.addHook('preValidation', fastify.verifyToken)
}
