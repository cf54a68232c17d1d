/**
 * MPEG audio frame headers, just enough to require a run of consecutive valid Layer III frames.
 * music-metadata reads the format, but it resynchronises past garbage and so accepts bytes that
 * merely contain a frame sync somewhere; this check is what refuses random bytes.
 */

const BITRATES_KBPS = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
}
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] }
const LAYER_III = 1

export interface FrameHeader {
  version: number
  sampleRate: number
  bitrateKbps: number
  length: number
}

/** Parses the 4-byte header at `offset` when it is a valid MPEG Layer III frame header. */
export function parseFrameHeader (bytes: Uint8Array, offset: number): FrameHeader | null {
  if (offset + 4 > bytes.length) return null
  const [b0, b1, b2] = [bytes[offset], bytes[offset + 1], bytes[offset + 2]]
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return null
  const version = (b1 >> 3) & 3
  const layer = (b1 >> 1) & 3
  const bitrateIndex = b2 >> 4
  const sampleRateIndex = (b2 >> 2) & 3
  if (version === 1 || layer !== LAYER_III || bitrateIndex === 0 || bitrateIndex === 15 || sampleRateIndex === 3) return null
  const bitrateKbps = (version === 3 ? BITRATES_KBPS.v1 : BITRATES_KBPS.v2)[bitrateIndex]
  const sampleRate = SAMPLE_RATES[version][sampleRateIndex]
  const samplesPerFrameOver8 = version === 3 ? 144 : 72
  const length = Math.floor(samplesPerFrameOver8 * bitrateKbps * 1000 / sampleRate) + ((b2 >> 1) & 1)
  return { version, sampleRate, bitrateKbps, length }
}

/**
 * Offset of the first of `count` consecutive frames (each starting where the previous one ends,
 * with the same version and sample rate), searching the first `maxSkip` bytes; -1 when none.
 */
export function findFrameRun (bytes: Uint8Array, count: number, maxSkip: number): number {
  for (let start = 0; start <= Math.min(maxSkip, bytes.length - 4); start++) {
    const first = parseFrameHeader(bytes, start)
    if (first === null) continue
    let offset = start
    let frames = 0
    for (let header: FrameHeader | null = first; header !== null; header = parseFrameHeader(bytes, offset)) {
      if (header.version !== first.version || header.sampleRate !== first.sampleRate) break
      frames++
      offset += header.length
      if (frames === count) return start
    }
  }
  return -1
}
