import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses, IdParamsSchema } from '../../../../schemas/common.js'
import { RenderSchema } from '../../../../schemas/renders.js'
import { userIdOf } from '../../../../services/auth/caller.js'
import { notFound } from '../../../../services/errors.js'
import { CompleteUploadSchema, CreateUploadSchema, UploadTicketSchema } from '../../../../schemas/uploads.js'

const directUploadRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { directUploads, renderView, renderMetrics, repository, access, checkUploadQuota } = fastify

  fastify.post('/', {
    onError: renderMetrics.countRefusals,
    preHandler: fastify.countUpload,
    schema: {
      tags: ['Uploads'],
      summary: 'Get a presigned PUT URL to upload a render (MP3, WAV, FLAC, Ogg Vorbis/Opus, M4A) straight to storage',
      description: 'The URL is bound to one key (its extension from the claimed format), the content type of that format and one size. ' +
        'PUT the file with exactly the returned headers, then call complete. ' +
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
    preValidation: async (request) => { request.body ??= {} },
    preHandler: fastify.countUpload,
    schema: {
      tags: ['Uploads'],
      summary: 'Verify an uploaded object and make it a render (idempotent)',
      description: 'Checks the object\'s size and reads only its headers (ranged reads) to check that it is the claimed format. ' +
        '409 while the object is missing; 422 (object deleted) when it is not the declared size or not the claimed format. ' +
        'With a message id, here or when the URL was issued, the render is attached to that message once. ' +
        'With a user token: only the user who asked for the URL completes it, into their own message. The body is optional.',
      params: IdParamsSchema,
      body: Type.Optional(CompleteUploadSchema),
      response: { 200: RenderSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) }
    }
  }, async (request) => {
    const caller = request.caller!
    const upload = await repository.findRender(request.params.id)
    if (upload === null) throw notFound('Upload')
    access.checkUploader(caller, upload)
    // The message named now, or the one named when the URL was issued: the caller must still be its author (and a member of its thread).
    const unfinished = upload.state === 'pending' || upload.state === 'verifying'
    const target = request.body?.message_id ?? (unfinished ? upload.message_id : null)
    if (target !== null) await access.authoredMessage(caller, target)
    const record = await directUploads.complete(request.params.id, request.body?.message_id)
    return renderView.fromRecord(record)
  })
}

export default directUploadRoutes
