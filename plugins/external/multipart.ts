import fastifyMultipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'

export default fastifyMultipart

export const autoConfig = (fastify: FastifyInstance) => ({
  limits: {
    // Streaming truncates silently at this size: the upload route checks `file.truncated`.
    fileSize: fastify.config.MAX_UPLOAD_BYTES,
    files: 1,
    fields: 10,
    fieldSize: 64 * 1024
  }
})
