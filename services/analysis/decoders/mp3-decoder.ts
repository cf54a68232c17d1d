import { MPEGDecoder } from 'mpg123-decoder'
import { findFrameRun } from '../../audio/mpeg-frames.js'
import { UndecodableAudioError, type StreamDecoder } from './types.js'

/** Bytes searched for the first frames (past ID3 tags with cover art); the file is taken as stereo if none are found there. */
const HEAD_LIMIT = 1 << 20

/**
 * libmpg123 in WebAssembly (wasm-audio-decoders); gapless, so the encoder's delay and padding are
 * not counted. It always outputs two channels; a mono file (channel mode in the frame header) is
 * given back as one, so that loudness counts it once.
 */
export async function createMp3Decoder (): Promise<StreamDecoder> {
  const decoder = new MPEGDecoder({ enableGapless: true })
  await decoder.ready
  let decodedAny = false
  let head: Buffer | null = Buffer.alloc(0)
  let mono = false

  function readChannelMode (chunk: Uint8Array) {
    head = Buffer.concat([head!, chunk])
    const first = findFrameRun(head, 3, head.length)
    if (first >= 0) mono = (head[first + 3] >> 6) === 3
    if (first >= 0 || head.length >= HEAD_LIMIT) head = null
  }

  return {
    decode (chunk) {
      if (head !== null) readChannelMode(chunk)
      const result = decoder.decode(chunk)
      if (result.samplesDecoded > 0) decodedAny = true
      else if (!decodedAny && result.errors.length > 0) throw new UndecodableAudioError(`MP3 decoding failed: ${result.errors[0].message}`)
      return mono ? { ...result, channelData: result.channelData.slice(0, 1) } : result
    },
    free: () => decoder.free()
  }
}
