import { Type } from 'typebox'
import { DateTimeSchema, IdSchema, TokenSchema } from './common.js'
import { RenderFormatSchema } from './renders.js'
import { AUDIO_CONTENT_TYPES, AUDIO_FORMATS } from '../services/audio/audio-formats.js'

export const UPLOAD_CONTENT_TYPES = AUDIO_CONTENT_TYPES

const CONTENT_TYPES_BY_FORMAT = Object.entries(AUDIO_FORMATS).map(([name, format]) => `${name}: ${format.contentTypes.join(', ')}`).join('; ')

export const CreateUploadSchema = Type.Object({
  token: Type.Optional(TokenSchema),
  format: RenderFormatSchema,
  size_bytes: Type.Integer({ minimum: 1, description: 'Exact size of the file to be PUT; the signed URL only accepts this size' }),
  content_type: Type.Optional(Type.Union(UPLOAD_CONTENT_TYPES.map((type) => Type.Literal(type)), {
    description: `Content type the PUT will send (signed); one of the format's, by default its first: ${CONTENT_TYPES_BY_FORMAT}`
  })),
  message_id: Type.Optional(IdSchema),
  duration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
  bitrate: Type.Optional(Type.Integer({ minimum: 8, maximum: 10_000 }))
})

export const UploadTicketSchema = Type.Object({
  render_id: IdSchema,
  key: Type.String(),
  upload: Type.Object({
    method: Type.Literal('PUT'),
    url: Type.String(),
    headers: Type.Record(Type.String(), Type.String(), { description: 'Send exactly these headers with the PUT (they are signed)' }),
    expires_at: DateTimeSchema
  })
})

export const CompleteUploadSchema = Type.Object({
  token: Type.Optional(TokenSchema),
  message_id: Type.Optional(IdSchema)
})
