import { Type } from 'typebox'
import { DateTimeSchema, IdSchema, TokenSchema } from './common.js'
import { RenderFormatSchema } from './renders.js'

export const UPLOAD_CONTENT_TYPES = ['audio/mpeg', 'audio/mp3'] as const

export const CreateUploadSchema = Type.Object({
  token: Type.Optional(TokenSchema),
  format: RenderFormatSchema,
  size_bytes: Type.Integer({ minimum: 1, description: 'Exact size of the file to be PUT; the signed URL only accepts this size' }),
  content_type: Type.Union(UPLOAD_CONTENT_TYPES.map((type) => Type.Literal(type)), { default: 'audio/mpeg' }),
  message_id: Type.Optional(IdSchema),
  duration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
  bitrate: Type.Optional(Type.Integer({ minimum: 8, maximum: 640 }))
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
