import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { tokenChecker } from '../../services/auth/api-token.js'
import { forbidden, unauthorized } from '../../services/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for /api/v1: API_TOKEN, or ADMIN_TOKEN on routes whose config says `auth: 'admin'`. */
    verifyToken (request: FastifyRequest): Promise<void>
    /** For multipart routes whose token arrives as a form field. */
    verifyFormToken (token: string | undefined): void
  }
  interface FastifyRequest {
    /** False until a header, query or body token was verified; multipart routes then check the form field. */
    tokenVerified: boolean
  }
  interface FastifyContextConfig {
    auth?: 'admin'
    /** The token may come as a multipart field; the handler checks it before storing anything. */
    tokenInForm?: boolean
  }
}

/** Bearer header first; seed clients send `token` as a query parameter or JSON body field. */
function tokenOf (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    return match?.[1] ?? ''
  }
  const query = request.query as { token?: unknown } | undefined
  if (typeof query?.token === 'string') return query.token
  const body = request.body as { token?: unknown } | undefined
  if (typeof body === 'object' && body !== null && typeof body.token === 'string') return body.token
  return undefined
}

export default fp(async function authPlugin (fastify) {
  const isApiToken = tokenChecker(fastify.config.API_TOKEN)
  const isAdminToken = tokenChecker(fastify.config.ADMIN_TOKEN)

  fastify.decorateRequest('tokenVerified', false)

  fastify.decorate('verifyToken', async function verifyToken (request: FastifyRequest) {
    const { config } = request.routeOptions
    const token = tokenOf(request)
    if (token === undefined && config.tokenInForm === true && request.isMultipart()) return
    if (config.auth === 'admin') {
      if (!isAdminToken(token)) {
        throw isApiToken(token) ? forbidden('This endpoint needs ADMIN_TOKEN') : unauthorized('A valid admin token is required')
      }
    } else if (!isApiToken(token)) {
      throw unauthorized()
    }
    request.tokenVerified = true
  })

  fastify.decorate('verifyFormToken', function verifyFormToken (token: string | undefined) {
    if (!isApiToken(token)) throw unauthorized()
  })
}, { name: 'auth', dependencies: ['config'] })
