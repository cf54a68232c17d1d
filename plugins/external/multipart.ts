import fastifyMultipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { MAX_FORM_FIELDS } from '../../services/http/multipart-request.js'

export default fastifyMultipart

export const autoConfig = (fastify: FastifyInstance) => ({
  limits: {
    // Streaming truncates silently at this size: the upload route checks `file.truncated`.
    fileSize: fastify.config.MAX_UPLOAD_BYTES,
    files: 1,
    fields: MAX_FORM_FIELDS,
    fieldSize: 64 * 1024
  }
})
