import { Type, type Static } from 'typebox'
import { DateTimeSchema, IdSchema } from './common.js'
import { FRACTIONAL } from '../services/http/fractional-numbers.js'
import { AUDIO_FORMAT_NAMES, DEFAULT_FORMAT } from '../services/audio/audio-formats.js'

export const RENDER_FORMATS = AUDIO_FORMAT_NAMES

export const RenderFormatSchema = Type.Union(RENDER_FORMATS.map((format) => Type.Literal(format)), {
  default: DEFAULT_FORMAT,
  description: 'What the client claims the file is; its bytes must agree. ogg is Ogg Vorbis, opus Ogg Opus, m4a MPEG-4 AAC'
})

const nullableNumber = (description: string) => Type.Optional(Type.Union([Type.Number({ [FRACTIONAL]: true, description }), Type.Null()]))

/** Added by the analysis of a render (absent on renders of the original system); clients of the original system ignore them. */
export const WaveformFieldsSchema = Type.Object({
  waveform: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed')], {
    description: 'Waveform peaks: being computed, ready at waveform_url, or failed (no decoder for the format, or the file could not be decoded)'
  })),
  waveform_url: Type.Optional(Type.Union([Type.String({
    description: 'Message-sized min/max peaks (at most 1000 points) in the audiowaveform JSON format, version 2 (peaks.js, wavesurfer.js); same access as the audio'
  }), Type.Null()])),
  waveform_zoom_url: Type.Optional(Type.Union([Type.String({ description: 'The same at 512 samples per point (peaks.js\'s default zoom)' }), Type.Null()])),
  decoded_duration: nullableNumber('Seconds, from the decoded samples'),
  peak_dbfs: nullableNumber('Highest sample level, dBFS'),
  loudness_lufs: nullableNumber('Integrated loudness (EBU R128), LUFS')
})

/** The seed's Render JSON. */
export const RenderSchema = Type.Object({
  id: IdSchema,
  url: Type.String({ description: 'Playable URL: public/CDN URL, or a short-lived signed GET when the render is private (RENDER_ACL=private or a private thread)' }),
  format: Type.String({ description: `${RENDER_FORMATS.join(', ')} (renders of the original system: whatever their client sent, "mp3")` }),
  bitrate: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  duration: Type.Optional(Type.Union([
    Type.Number({ [FRACTIONAL]: true, description: 'Seconds, always written with a fractional part (3.0), as Dart clients read it into a double' }),
    Type.Null()
  ])),
  size_bytes: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  created_at: DateTimeSchema,
  ...WaveformFieldsSchema.properties
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
