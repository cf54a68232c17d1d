import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParamsSchema, TokenQuerySchema } from '../../../../schemas/common.js'
import { RenderSchema } from '../../../../schemas/renders.js'
import { conflict, notFound } from '../../../../services/errors.js'

const renderRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repository, renderView, access } = fastify

  fastify.get('/:id', {
    schema: {
      tags: ['Renders'],
      summary: 'Get a render with a playable URL',
      description: 'The public or CDN URL when the render is public; a short-lived signed GET when it is private (RENDER_ACL=private, ' +
        'or attached to a private thread, or while a change of its thread\'s visibility is still being applied). ' +
        'With a user token: its uploader, or a member of the thread it is attached to.',
      params: IdParamsSchema,
      querystring: TokenQuerySchema,
      response: { 200: RenderSchema, ...errorResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => {
    const record = await repository.findRender(request.params.id)
    if (record === null || record.state === 'deleting') throw notFound('Render')
    await access.checkRenderVisible(request.caller!, record)
    if (record.state === 'pending' || record.state === 'verifying') throw conflict('This render\'s upload has not been completed yet')
    return renderView.fromRecord(record)
  })
}

export default renderRoutes
