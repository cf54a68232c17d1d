import { createMp3Decoder } from './mp3-decoder.js'
import { createWavDecoder } from './wav-decoder.js'
import { createFlacDecoder, createOpusDecoder, createVorbisDecoder } from './wasm-decoders.js'
import { UndecodableAudioError, type StreamDecoder } from './types.js'

/** A decoder per render format; a format added here gets peaks with no other change. */
const DECODERS: Record<string, () => Promise<StreamDecoder>> = {
  mp3: createMp3Decoder,
  wav: createWavDecoder,
  flac: createFlacDecoder,
  ogg: createVorbisDecoder,
  opus: createOpusDecoder
}

export function hasDecoder (format: string) {
  return Object.hasOwn(DECODERS, format)
}

export async function createDecoder (format: string): Promise<StreamDecoder> {
  if (!hasDecoder(format)) throw new UndecodableAudioError(`No decoder for the format ${format}`)
  return DECODERS[format]()
}

export { UndecodableAudioError, type StreamDecoder }
