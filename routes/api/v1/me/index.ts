import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses, TokenQuerySchema } from '../../../../schemas/common.js'
import { userIdOf } from '../../../../services/auth/caller.js'

const MeSchema = Type.Object({
  user_id: Type.Union([Type.String(), Type.Null()], { description: 'The user token\'s `sub`; null for the service token' }),
  kind: Type.Union([Type.Literal('user'), Type.Literal('service')])
})

const meRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: {
      tags: ['Identity'],
      summary: 'Who the token belongs to',
      querystring: TokenQuerySchema,
      response: { 200: MeSchema, ...errorResponses(401, 403, 503) }
    }
  }, async (request) => {
    const caller = request.caller!
    return { user_id: userIdOf(caller), kind: caller.kind === 'user' ? 'user' as const : 'service' as const }
  })
}

export default meRoutes
