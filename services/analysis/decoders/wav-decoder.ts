import { UndecodableAudioError, type DecodedAudio, type StreamDecoder } from './types.js'

const PCM = 1
const FLOAT = 3
const EXTENSIBLE = 0xfffe
/** Bytes of chunks before the audio data (LIST, bext, …) that are buffered at most. */
const HEADER_LIMIT = 1 << 20

interface Format { encoding: number, channels: number, sampleRate: number, bits: number }

/** Reads one sample at a byte offset as a float in [-1, 1]. */
function sampleReader ({ encoding, bits }: Format): (bytes: Buffer, offset: number) => number {
  if (encoding === FLOAT && bits === 32) return (bytes, offset) => bytes.readFloatLE(offset)
  if (encoding === FLOAT && bits === 64) return (bytes, offset) => bytes.readDoubleLE(offset)
  if (encoding === PCM && bits === 8) return (bytes, offset) => (bytes[offset] - 128) / 128
  if (encoding === PCM && bits === 16) return (bytes, offset) => bytes.readInt16LE(offset) / 32768
  if (encoding === PCM && bits === 24) return (bytes, offset) => bytes.readIntLE(offset, 3) / 8388608
  if (encoding === PCM && bits === 32) return (bytes, offset) => bytes.readInt32LE(offset) / 2147483648
  throw new UndecodableAudioError(`WAV encoding ${encoding} with ${bits} bits per sample is not supported`)
}

/** RIFF/WAVE with PCM (8/16/24/32-bit) or float samples, streamed: no library needed for uncompressed audio. */
export async function createWavDecoder (): Promise<StreamDecoder> {
  let pending = Buffer.alloc(0)
  let format: Format | null = null
  let read: ((bytes: Buffer, offset: number) => number) | null = null
  let inData = false
  let dataLeft = 0
  let offset = 12
  const empty = (): DecodedAudio => ({ channelData: [], samplesDecoded: 0, sampleRate: format?.sampleRate ?? 0 })

  /** Walks the chunks before the audio data; true once the data chunk starts at `pending[offset]`. */
  function readHeader (): boolean {
    if (pending.length < 12) return false
    if (pending.toString('latin1', 0, 4) !== 'RIFF' || pending.toString('latin1', 8, 12) !== 'WAVE') throw new UndecodableAudioError('Not a RIFF/WAVE file')
    while (offset + 8 <= pending.length) {
      const id = pending.toString('latin1', offset, offset + 4)
      const size = pending.readUInt32LE(offset + 4)
      if (id === 'data') {
        if (format === null) throw new UndecodableAudioError('WAV data before its fmt chunk')
        // Writers that stream WAV leave the size at 0 or 0xffffffff: the data then runs to the end.
        dataLeft = size === 0 || size === 0xffffffff ? Number.POSITIVE_INFINITY : size
        pending = pending.subarray(offset + 8)
        return true
      }
      if (offset + 8 + size > pending.length) break
      if (id === 'fmt ') {
        let encoding = pending.readUInt16LE(offset + 8)
        if (encoding === EXTENSIBLE && size >= 26) encoding = pending.readUInt16LE(offset + 32)
        format = { encoding, channels: pending.readUInt16LE(offset + 10), sampleRate: pending.readUInt32LE(offset + 12), bits: pending.readUInt16LE(offset + 22) }
        if (format.channels === 0 || format.sampleRate === 0) throw new UndecodableAudioError('WAV fmt chunk without channels or sample rate')
        read = sampleReader(format)
      }
      offset += 8 + size + (size & 1)
    }
    if (pending.length > HEADER_LIMIT) throw new UndecodableAudioError('No WAV data chunk in the first MiB')
    return false
  }

  return {
    decode (chunk) {
      if (inData && dataLeft === 0) return empty() // chunks after the audio data
      pending = Buffer.concat([pending, chunk])
      if (!inData) {
        if (!readHeader()) return empty()
        inData = true
      }
      const { channels, sampleRate, bits } = format!
      const frameBytes = channels * bits / 8
      const usable = Math.min(pending.length, dataLeft)
      const frames = Math.floor(usable / frameBytes)
      const channelData = Array.from({ length: channels }, () => new Float32Array(frames))
      for (let frame = 0; frame < frames; frame++) {
        for (let c = 0; c < channels; c++) channelData[c][frame] = read!(pending, frame * frameBytes + c * bits / 8)
      }
      pending = pending.subarray(frames * frameBytes)
      dataLeft -= frames * frameBytes
      return { channelData, samplesDecoded: frames, sampleRate }
    },
    free () {}
  }
}
