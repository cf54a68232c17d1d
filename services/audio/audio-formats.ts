/**
 * The audio formats a render may have: the allowlist of key extensions and content types. `format`
 * is what a client claims (the seed's Render JSON field, "mp3" by default); the bytes must agree.
 */
export const AUDIO_FORMATS = {
  mp3: { label: 'an MP3', extension: 'mp3', contentType: 'audio/mpeg', contentTypes: ['audio/mpeg', 'audio/mp3'] },
  wav: { label: 'a WAV file', extension: 'wav', contentType: 'audio/wav', contentTypes: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'] },
  flac: { label: 'a FLAC file', extension: 'flac', contentType: 'audio/flac', contentTypes: ['audio/flac', 'audio/x-flac'] },
  ogg: { label: 'an Ogg Vorbis file', extension: 'ogg', contentType: 'audio/ogg', contentTypes: ['audio/ogg', 'audio/vorbis'] },
  // RFC 7845: Ogg Opus files are audio/ogg with the .opus extension.
  opus: { label: 'an Ogg Opus file', extension: 'opus', contentType: 'audio/ogg', contentTypes: ['audio/ogg', 'audio/opus'] },
  m4a: { label: 'an M4A (MPEG-4 AAC) file', extension: 'm4a', contentType: 'audio/mp4', contentTypes: ['audio/mp4', 'audio/x-m4a', 'audio/m4a'] }
} as const satisfies Record<string, { label: string, extension: string, contentType: string, contentTypes: readonly string[] }>

export type AudioFormat = keyof typeof AUDIO_FORMATS

export const DEFAULT_FORMAT: AudioFormat = 'mp3'

export const AUDIO_FORMAT_NAMES = Object.keys(AUDIO_FORMATS) as AudioFormat[]

/** Every content type a client may claim, each once. */
export const AUDIO_CONTENT_TYPES = [...new Set(Object.values(AUDIO_FORMATS).flatMap((format) => format.contentTypes))]

export const isAudioFormat = (name: string): name is AudioFormat => Object.hasOwn(AUDIO_FORMATS, name)

