import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParamsSchema } from '../../../../schemas/common.js'
import { RenderSchema } from '../../../../schemas/renders.js'
import { userIdOf } from '../../../../services/auth/caller.js'
import { notFound } from '../../../../services/errors.js'
import { CompleteUploadSchema, CreateUploadSchema, UploadTicketSchema } from '../../../../schemas/uploads.js'

const directUploadRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { directUploads, renderView, renderMetrics, repository, access, checkUploadQuota } = fastify

  fastify.post('/', {
    onError: renderMetrics.countRefusals,
    preHandler: fastify.limitUploads,
    schema: {
      tags: ['Uploads'],
      summary: 'Get a presigned PUT URL to upload an MP3 straight to storage',
      description: 'The URL is bound to one key, content type and size. PUT the file with exactly the returned headers, then call complete. ' +
        'With a user token: `message_id` must be the user\'s own message, and the size must fit the user\'s quota (413 says how many bytes are left).',
      body: CreateUploadSchema,
      response: { 201: UploadTicketSchema, ...errorResponses(400, 401, 403, 404, 413, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = request.caller!
    if (request.body.message_id !== undefined) await access.authoredMessage(caller, request.body.message_id)
    await checkUploadQuota(userIdOf(caller), request.body.size_bytes)
    const ticket = await directUploads.start(request.body, userIdOf(caller))
    renderMetrics.uploadIssued()
    return reply.code(201).send(ticket)
  })

  fastify.post('/:id/complete', {
    onError: renderMetrics.countRefusals,
    preHandler: fastify.limitUploads,
    schema: {
      tags: ['Uploads'],
      summary: 'Verify an uploaded object and make it a render (idempotent)',
      description: 'Checks the object\'s size and reads only its first bytes to check that it is MP3. ' +
        '409 while the object is missing; 422 (object deleted) when it is not the declared size or not MP3. ' +
        'With a message id, here or when the URL was issued, the render is attached to that message once. ' +
        'With a user token: only the user who asked for the URL completes it, into their own message.',
      params: IdParamsSchema,
      body: CompleteUploadSchema,
      response: { 200: RenderSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) }
    }
  }, async (request) => {
    const caller = request.caller!
    const upload = await repository.findRender(request.params.id)
    if (upload === null) throw notFound('Upload')
    access.checkUploader(caller, upload)
    if (request.body?.message_id !== undefined) await access.authoredMessage(caller, request.body.message_id)
    const record = await directUploads.complete(request.params.id, request.body?.message_id)
    return renderView.fromRecord(record)
  })
}

export default directUploadRoutes
