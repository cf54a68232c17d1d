import { Type } from 'typebox'
import { DateTimeSchema, IdSchema, TokenSchema } from './common.js'
import { RenderInputSchema, RenderSchema } from './renders.js'
import { MAX_DEPTH, MAX_JSON_DEPTH, UTC_TIMESTAMP } from '../services/http/schema-keywords.js'

const SnapshotSchema = Type.Record(Type.String(), Type.Unknown())

/** Stored as sent; the depth limit keeps storing and serving it safe. */
const SnapshotInputSchema = Type.Record(Type.String(), Type.Unknown(), {
  [MAX_DEPTH]: MAX_JSON_DEPTH,
  description: `Free-form JSON object, stored as sent; objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep (the object itself is level 1)`
})

/** What the original server accepted: ISO 8601 with or without an offset. */
const ClientTimestampSchema = Type.String({
  [UTC_TIMESTAMP]: true,
  description: 'ISO 8601 date-time. Without an offset it is taken as UTC (Dart\'s local `DateTime.toIso8601String()`); ' +
    'stored in UTC with its fraction kept to the microsecond, e.g. `2025-10-05T18:30:00.123456` → `2025-10-05T18:30:00.123456Z`',
  examples: ['2025-10-05T18:30:00.123456']
})

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
  snapshot: SnapshotInputSchema,
  snapshot_metadata: Type.Optional(Type.Union([SnapshotInputSchema, Type.Null()])),
  renders: Type.Optional(Type.Array(RenderInputSchema, { maxItems: 20 })),
  timestamp: Type.Optional(ClientTimestampSchema)
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
