import { FLACDecoder } from '@wasm-audio-decoders/flac'
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis'
import { OggOpusDecoder } from 'ogg-opus-decoder'
import { UndecodableAudioError, type DecodedAudio, type StreamDecoder } from './types.js'

/** What the wasm-audio-decoders siblings of mpg123-decoder have in common. */
interface WasmDecoder {
  ready: Promise<void>
  decode (chunk: Uint8Array): Promise<DecodedAudio & { errors: Array<{ message: string }> }>
  flush (): Promise<DecodedAudio & { errors: Array<{ message: string }> }>
  free (): void
}

/** Streams a file through one of them; refused when nothing decodes and the decoder reports errors. */
function streamingDecoder (label: string, create: () => WasmDecoder) {
  return async function createStreamDecoder (): Promise<StreamDecoder> {
    const decoder = create()
    await decoder.ready
    let decodedAny = false
    const checked = (result: DecodedAudio & { errors: Array<{ message: string }> }): DecodedAudio => {
      if (result.samplesDecoded > 0) decodedAny = true
      else if (!decodedAny && result.errors.length > 0) throw new UndecodableAudioError(`${label} decoding failed: ${result.errors[0].message}`)
      return result
    }
    return {
      decode: async (chunk) => checked(await decoder.decode(chunk)),
      flush: async () => checked(await decoder.flush()),
      free: () => decoder.free()
    }
  }
}

export const createFlacDecoder = streamingDecoder('FLAC', () => new FLACDecoder() as unknown as WasmDecoder)
export const createVorbisDecoder = streamingDecoder('Ogg Vorbis', () => new OggVorbisDecoder() as unknown as WasmDecoder)
// Opus decodes at 48 kHz whatever the input rate was (RFC 7845); its pre-skip is removed by the decoder.
export const createOpusDecoder = streamingDecoder('Ogg Opus', () => new OggOpusDecoder() as unknown as WasmDecoder)
