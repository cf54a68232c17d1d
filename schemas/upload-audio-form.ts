import { Type } from 'typebox'
import { RENDER_FORMATS } from './renders.js'

/**
 * The multipart body of POST /api/v1/upload/audio, for the OpenAPI document only: the handler
 * reads the parts as a stream (the file is never buffered), so Fastify never validates this.
 * Properties are in the order Swagger UI sends them; the token must come before the file.
 */
export const UploadAudioFormSchema = Type.Object({
  token: Type.Optional(Type.String({ description: 'API token (not needed with Authorization: Bearer); sent before the file' })),
  format: Type.Optional(Type.String({ enum: [...RENDER_FORMATS], default: 'mp3', description: 'Render format: what the file is claimed to be (sent before the file)' })),
  bitrate: Type.Optional(Type.Integer({ minimum: 8, maximum: 10_000, description: 'kbps; read from the file when omitted' })),
  duration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'seconds; read from the file when omitted' })),
  file: Type.String({ format: 'binary', description: 'The audio file, in the claimed format (checked by its bytes)' })
})
