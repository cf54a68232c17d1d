import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../../schemas/common.js'
import { RenderSchema } from '../../../../schemas/renders.js'
import { requireMultipartFormData } from '../../../../services/http/multipart-request.js'
import { UploadAudioFormSchema } from '../../../../schemas/upload-audio-form.js'
import { userIdOf } from '../../../../services/auth/caller.js'
import { receiveProxiedUpload } from '../../../../services/uploads/proxied-upload.js'

const uploadRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repository, storage, deletionQueue, renderView, renderMetrics, analysisQueue, config, checkUploadQuota } = fastify

  fastify.post('/audio', {
    onError: renderMetrics.countRefusals,
    preValidation: requireMultipartFormData,
    preHandler: fastify.countUpload,
    config: {
      tokenInForm: true,
      // Documents the multipart body (Swagger UI then shows a file input) without validating it.
      swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: UploadAudioFormSchema }, url })
    },
    schema: {
      tags: ['Uploads'],
      summary: 'Upload a render through the service (the seed\'s multipart upload)',
      description: 'multipart/form-data with fields `token` (before the file, unless `Authorization: Bearer` is sent), ' +
        '`format` (mp3 by default; wav, flac, ogg, opus or m4a; before the file), optional `bitrate` (kbps) and `duration` (s), and the file in `file`. ' +
        'The file is streamed to storage and its bytes must be the claimed format (415 otherwise); duration and bitrate are read from it when not sent. ' +
        '409 (`RENDER_DELETED`) when the upload took so long that the sweeper expired it meanwhile.',
      consumes: ['multipart/form-data'],
      response: { 200: RenderSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 429, 503) }
    }
  }, async (request, reply) => {
    const record = await receiveProxiedUpload(request, {
      repository,
      storage,
      deletionQueue,
      env: config.ENV,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      defaultAcl: config.RENDER_ACL,
      verifyFormToken: fastify.verifyFormToken,
      checkQuota: async (request, bytes) => checkUploadQuota(userIdOf(request.caller!), bytes),
      countUpload: async () => fastify.countUpload(request, reply),
      log: request.log
    })
    renderMetrics.uploadCompleted(record.size_bytes ?? 0)
    await analysisQueue.enqueue(record)
    return renderView.fromRecord(record)
  })
}

export default uploadRoutes
