import fs from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../../schemas/common.js'
import { errorBody, serviceUnavailable } from '../../services/errors.js'

/** The bundle `npm run build` writes to dist/public/app and `npm run build:web` to public/app (beside routes/). */
export const WEB_APP_DIR = path.resolve(import.meta.dirname, '..', '..', 'public', 'app')

/** The web client: a static bundle that talks to /api/v1 with the user's own token. */
const webAppRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const built = fs.existsSync(path.join(WEB_APP_DIR, 'index.html'))
  if (built) await fastify.register(fastifyStatic, { root: WEB_APP_DIR, prefix: '/', index: false, wildcard: true })
  // A file missing from the bundle: the wildcard route exists for GET, so the app's handler would say 405.
  fastify.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, 'NOT_FOUND', `${request.url.split('?')[0]} is not part of the web client`)))

  fastify.get('/', {
    schema: {
      tags: ['Web client'],
      summary: 'The web client (threads, messages, uploads, player)',
      security: [],
      response: { 200: Type.String(), 302: Type.Null(), ...errorResponses(503) }
    }
  }, async (request, reply) => {
    if (!built) throw serviceUnavailable('The web client is not built: run npm run build (or npm run build:web)')
    // Its scripts are loaded relative to the page, so the page's address ends with a slash.
    if (!request.url.split('?')[0].endsWith('/')) return reply.redirect('/app/', 302)
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}

export default webAppRoutes
