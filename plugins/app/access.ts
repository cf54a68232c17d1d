import fp from 'fastify-plugin'
import { createAccess, type Access } from '../../services/auth/access.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Membership and authorship rules every route applies to `request.caller`. */
    access: Access
  }
}

export default fp(async function accessPlugin (fastify) {
  fastify.decorate('access', createAccess(fastify.repository))
}, { name: 'access', dependencies: ['repository'] })
