import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParamsSchema } from '../../../../schemas/common.js'
import { RenderSchema } from '../../../../schemas/renders.js'
import { CompleteUploadSchema, CreateUploadSchema, UploadTicketSchema } from '../../../../schemas/uploads.js'

const directUploadRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { directUploads, renderView, renderMetrics } = fastify

  fastify.post('/', {
    onError: renderMetrics.countRefusals,
    schema: {
      tags: ['Uploads'],
      summary: 'Get a presigned PUT URL to upload a render (MP3, WAV, FLAC, Ogg Vorbis/Opus, M4A) straight to storage',
      description: 'The URL is bound to one key (its extension from the claimed format), the content type of that format and one size. ' +
        'PUT the file with exactly the returned headers, then call complete.',
      body: CreateUploadSchema,
      response: { 201: UploadTicketSchema, ...errorResponses(400, 401, 404, 413, 503) }
    }
  }, async (request, reply) => {
    const ticket = await directUploads.start(request.body)
    renderMetrics.uploadIssued()
    return reply.code(201).send(ticket)
  })

  fastify.post('/:id/complete', {
    onError: renderMetrics.countRefusals,
    schema: {
      tags: ['Uploads'],
      summary: 'Verify an uploaded object and make it a render (idempotent)',
      description: 'Checks the object\'s size and reads only its headers (ranged reads) to check that it is the claimed format. ' +
        '409 while the object is missing; 422 (object deleted) when it is not the declared size or not the claimed format. ' +
        'With a message id, here or when the URL was issued, the render is attached to that message once.',
      params: IdParamsSchema,
      body: CompleteUploadSchema,
      response: { 200: RenderSchema, ...errorResponses(400, 401, 404, 409, 422, 503) }
    }
  }, async (request) => {
    const record = await directUploads.complete(request.params.id, request.body?.message_id)
    return renderView.fromRecord(record)
  })
}

export default directUploadRoutes
