import { MPEGDecoder } from 'mpg123-decoder'
import { UndecodableAudioError, type StreamDecoder } from './types.js'

/** libmpg123 in WebAssembly (wasm-audio-decoders); gapless, so the encoder's delay and padding are not counted. */
export async function createMp3Decoder (): Promise<StreamDecoder> {
  const decoder = new MPEGDecoder({ enableGapless: true })
  await decoder.ready
  let decodedAny = false
  return {
    decode (chunk) {
      const result = decoder.decode(chunk)
      if (result.samplesDecoded > 0) decodedAny = true
      else if (!decodedAny && result.errors.length > 0) throw new UndecodableAudioError(`MP3 decoding failed: ${result.errors[0].message}`)
      return result
    },
    free: () => decoder.free()
  }
}
