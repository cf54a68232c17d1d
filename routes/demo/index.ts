import fs from 'node:fs'
import path from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const page = fs.readFileSync(path.join(import.meta.dirname, 'upload-page.html'), 'utf8')

/** A small page that uploads a render from a browser, straight to storage. */
const demoRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/upload', {
    schema: {
      tags: ['Demo'],
      summary: 'A web page that uploads an MP3 with a presigned URL and plays it',
      security: [],
      response: { 200: Type.String() }
    }
  }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
}

export default demoRoutes
