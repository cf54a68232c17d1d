import { Type, type Static } from 'typebox'
import { DateTimeSchema, IdSchema } from './common.js'
import { FRACTIONAL } from '../services/http/fractional-numbers.js'
import { AUDIO_FORMAT_NAMES, DEFAULT_FORMAT } from '../services/audio/audio-formats.js'

export const RENDER_FORMATS = AUDIO_FORMAT_NAMES

export const RenderFormatSchema = Type.Union(RENDER_FORMATS.map((format) => Type.Literal(format)), {
  default: DEFAULT_FORMAT,
  description: 'What the client claims the file is; its bytes must agree. ogg is Ogg Vorbis, opus Ogg Opus, m4a MPEG-4 AAC'
})

/** The seed's Render JSON. */
export const RenderSchema = Type.Object({
  id: IdSchema,
  url: Type.String({ description: 'Playable URL: public/CDN URL, or a short-lived signed GET when renders are private' }),
  format: Type.String({ description: `${RENDER_FORMATS.join(', ')} (renders of the original system: whatever their client sent, "mp3")` }),
  bitrate: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  duration: Type.Optional(Type.Union([
    Type.Number({ [FRACTIONAL]: true, description: 'Seconds, always written with a fractional part (3.0), as Dart clients read it into a double' }),
    Type.Null()
  ])),
  size_bytes: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  created_at: DateTimeSchema
})

/** A render as a client sends it back to attach it (the seed's Flutter client sends the whole Render). */
export const RenderInputSchema = Type.Object({
  id: IdSchema,
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  format: Type.Optional(Type.String()),
  bitrate: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10000 }), Type.Null()])),
  duration: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
  size_bytes: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  created_at: Type.Optional(Type.String())
})

export type Render = Static<typeof RenderSchema>
export type RenderInput = Static<typeof RenderInputSchema>
