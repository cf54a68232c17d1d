import { Type } from 'typebox'
import { CursorSchema, DateTimeSchema, IdSchema, LimitSchema, TokenSchema } from './common.js'

export const VisibilitySchema = Type.Union([Type.Literal('public'), Type.Literal('private')], {
  description: '`public`: renders are served from their public URL (the original behaviour). ' +
    '`private`: render objects are not publicly readable and every render `url` is a short-lived signed GET'
})

export const ThreadSchema = Type.Object({
  id: IdSchema,
  title: Type.Union([Type.String(), Type.Null()]),
  users: Type.Array(Type.String()),
  visibility: VisibilitySchema,
  messages: Type.Array(IdSchema, { description: 'Message ids, oldest first' }),
  created_at: DateTimeSchema,
  created_by: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The user whose token created the thread (manages its members); null for the service token' }))
})

export const CreateThreadSchema = Type.Object({
  title: Type.Optional(Type.String({ maxLength: 200 })),
  users: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
  visibility: Type.Optional(VisibilitySchema)
})

export const UpdateThreadSchema = Type.Object({
  token: Type.Optional(TokenSchema),
  visibility: VisibilitySchema
}, { additionalProperties: false })
export const MemberBodySchema = Type.Object({
  token: Type.Optional(TokenSchema),
  user_id: Type.String({ minLength: 1, maxLength: 128 })
})

export const PageQuerySchema = Type.Object({
  limit: Type.Optional(LimitSchema),
  cursor: Type.Optional(CursorSchema),
  token: Type.Optional(TokenSchema)
})

export const ThreadPageSchema = Type.Object({
  threads: Type.Array(ThreadSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()])
})
