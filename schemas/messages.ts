import { Type } from 'typebox'
import { DateTimeSchema, IdSchema, TokenSchema } from './common.js'
import { RenderInputSchema, RenderSchema } from './renders.js'

const SnapshotSchema = Type.Record(Type.String(), Type.Unknown())

export const MessageSchema = Type.Object({
  id: IdSchema,
  parent_thread: IdSchema,
  user_id: Type.String(),
  snapshot: SnapshotSchema,
  snapshot_metadata: Type.Union([SnapshotSchema, Type.Null()]),
  renders: Type.Array(RenderSchema),
  timestamp: DateTimeSchema,
  created_at: DateTimeSchema
})

export const CreateMessageSchema = Type.Object({
  token: Type.Optional(TokenSchema),
  parent_thread: IdSchema,
  user_id: Type.String({ minLength: 1, maxLength: 128 }),
  snapshot: SnapshotSchema,
  snapshot_metadata: Type.Optional(Type.Union([SnapshotSchema, Type.Null()])),
  renders: Type.Optional(Type.Array(RenderInputSchema, { maxItems: 20 })),
  timestamp: Type.Optional(DateTimeSchema)
})

export const MessagePageSchema = Type.Object({
  messages: Type.Array(MessageSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()])
})

export const AttachRenderSchema = Type.Object({
  token: Type.Optional(TokenSchema),
  render: RenderInputSchema
})

export const RenderAttachedSchema = Type.Object({
  status: Type.Literal('render_attached'),
  message_id: IdSchema
})

export const MessageDeletedSchema = Type.Object({
  status: Type.Literal('deleted'),
  id: IdSchema,
  renders_deleted: Type.Integer()
})
