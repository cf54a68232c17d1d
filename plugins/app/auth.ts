import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { tokenChecker } from '../../services/auth/api-token.js'
import type { Caller } from '../../services/auth/caller.js'
import { createUserTokenVerifier, looksLikeJwt } from '../../services/auth/user-tokens.js'
import { forbidden, unauthorized } from '../../services/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preValidation for /api/v1: identifies the caller and admits it to the route, or answers 401/403. */
    verifyToken (request: FastifyRequest): Promise<void>
    /** For multipart routes whose token arrives as a form field: identifies and admits the caller. */
    verifyFormToken (request: FastifyRequest, token: string | undefined): Promise<void>
  }
  interface FastifyRequest {
    /** False until a header, query or body token was verified; multipart routes then check the form field. */
    tokenVerified: boolean
    /** Set once the token is verified (null before). */
    caller: Caller | null
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
  const { config } = fastify
  const isApiToken = tokenChecker(config.API_TOKEN)
  const isAdminToken = tokenChecker(config.ADMIN_TOKEN)
  const verifyUserToken = createUserTokenVerifier({
    secret: config.AUTH_JWT_SECRET,
    jwksUrl: config.AUTH_JWKS_URL,
    issuer: config.AUTH_JWT_ISSUER,
    audience: config.AUTH_JWT_AUDIENCE,
    jwksCooldownMs: config.AUTH_JWKS_COOLDOWN_SECONDS * 1000,
    clock: () => fastify.clock()
  })

  async function identify (token: string | undefined): Promise<Caller> {
    if (token === undefined || token === '') throw unauthorized('A valid token is required')
    if (isApiToken(token)) return { kind: 'service' }
    if (isAdminToken(token)) return { kind: 'admin' }
    if (verifyUserToken === null || !looksLikeJwt(token)) throw unauthorized('A valid token is required')
    return { kind: 'user', userId: await verifyUserToken(token) }
  }

  /** The admin token opens /api/v1/admin only, and nothing else does. */
  function admit (request: FastifyRequest, caller: Caller) {
    if (request.routeOptions.config.auth === 'admin') {
      if (caller.kind !== 'admin') {
        throw forbidden(config.ADMIN_TOKEN === undefined ? 'Admin endpoints are off: set ADMIN_TOKEN on the service, then send it' : 'This endpoint needs ADMIN_TOKEN')
      }
    } else if (caller.kind === 'admin') {
      throw forbidden('ADMIN_TOKEN is only for /api/v1/admin')
    } else if (caller.kind === 'service' && !config.API_TOKEN_ACTS_AS_ANY_USER) {
      throw forbidden('API_TOKEN may not act for users here (API_TOKEN_ACTS_AS_ANY_USER=false); use a user token')
    }
    request.caller = caller
    request.tokenVerified = true
  }

  fastify.decorateRequest('tokenVerified', false)
  fastify.decorateRequest('caller', null)

  fastify.decorate('verifyToken', async function verifyToken (request: FastifyRequest) {
    const token = tokenOf(request)
    if (token === undefined && request.routeOptions.config.tokenInForm === true && request.isMultipart()) return
    admit(request, await identify(token))
  })

  fastify.decorate('verifyFormToken', async function verifyFormToken (request: FastifyRequest, token: string | undefined) {
    admit(request, await identify(token))
  })
}, { name: 'auth', dependencies: ['config', 'render-services'] })
