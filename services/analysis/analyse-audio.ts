import { createDecoder, UndecodableAudioError } from './decoders/index.js'
import type { DecodedAudio } from './decoders/types.js'
import { LoudnessMeter } from './loudness.js'
import { PeaksBuilder, type WaveformJson } from './peaks.js'

export interface AudioAnalysis {
  overview: WaveformJson
  zoom: WaveformJson
  /** Seconds, from the samples decoded. */
  duration: number
  sample_rate: number
  channels: number
  /** Highest sample, dBFS (null for digital silence). */
  peak_dbfs: number | null
  /** Integrated loudness (EBU R128), null when too short or silent. */
  loudness_lufs: number | null
}

/** Decodes the file chunk by chunk; nothing but the peaks and one loudness value per 100 ms is kept. */
export async function analyseAudio (format: string, chunks: AsyncIterable<Uint8Array>): Promise<AudioAnalysis> {
  const decoder = await createDecoder(format)
  const peaks = new PeaksBuilder()
  let meter: LoudnessMeter | undefined
  const add = (decoded: DecodedAudio) => {
    if (decoded.samplesDecoded === 0) return
    peaks.add(decoded.channelData, decoded.samplesDecoded, decoded.sampleRate)
    meter ??= new LoudnessMeter(decoded.sampleRate, decoded.channelData.length)
    meter.add(decoded.channelData, decoded.samplesDecoded)
  }
  try {
    for await (const chunk of chunks) add(await decoder.decode(chunk))
    if (decoder.flush !== undefined) add(await decoder.flush())
  } finally {
    decoder.free()
  }
  if (peaks.samples === 0) throw new UndecodableAudioError('No audio could be decoded from the file')
  const { overview, zoom } = peaks.finish()
  return {
    overview,
    zoom,
    duration: peaks.samples / peaks.sampleRate,
    sample_rate: peaks.sampleRate,
    channels: peaks.channels,
    peak_dbfs: peaks.peak === 0 ? null : round(20 * Math.log10(peaks.peak), 2),
    loudness_lufs: meter === undefined ? null : roundOrNull(meter.integrated(), 2)
  }
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits
const roundOrNull = (value: number | null, digits: number) => value === null ? null : round(value, digits)
