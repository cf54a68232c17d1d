/** Peaks in the audiowaveform JSON format, version 2, as peaks.js and wavesurfer.js read them. */
export interface WaveformJson {
  version: 2
  channels: number
  sample_rate: number
  samples_per_pixel: number
  bits: 8
  length: number
  /** Per point, per channel: min, then max. */
  data: number[]
}

/** The zoomed waveform: peaks.js's default zoom level (about 86 points per second at 44.1 kHz). */
export const ZOOM_SAMPLES_PER_PIXEL = 512
/** The message-sized waveform: at most this many points, whatever the length. */
export const OVERVIEW_MAX_POINTS = 1000
/** Past this many zoomed points (3.4 hours at 44.1 kHz) the zoom halves its resolution, so memory stays bounded. */
export const ZOOM_MAX_POINTS = 1 << 20

const toByte = (value: number) => Math.max(-128, Math.min(127, Math.round(value * 127)))

/**
 * Min/max peaks of all channels mixed into one (as audiowaveform does without --split-channels),
 * built one decoded chunk at a time: memory grows with the number of points, never with the samples.
 */
export class PeaksBuilder {
  private mins = new Float32Array(4096)
  private maxs = new Float32Array(4096)
  private points = 0
  private samplesPerPixel = ZOOM_SAMPLES_PER_PIXEL
  /** Samples already folded into the current (last, incomplete) point. */
  private filled = 0
  private currentMin = Infinity
  private currentMax = -Infinity
  sampleRate = 0
  channels = 0
  samples = 0
  peak = 0

  constructor (private readonly maxPoints = ZOOM_MAX_POINTS) {}

  add (channelData: Float32Array[], length: number, sampleRate: number) {
    if (length === 0) return
    if (this.sampleRate === 0) {
      this.sampleRate = sampleRate
      this.channels = channelData.length
    }
    let { currentMin, currentMax, filled, peak } = this
    for (let i = 0; i < length; i++) {
      for (let c = 0; c < channelData.length; c++) {
        const value = channelData[c][i]
        if (value < currentMin) currentMin = value
        if (value > currentMax) currentMax = value
      }
      if (++filled === this.samplesPerPixel) {
        if (-currentMin > peak) peak = -currentMin
        if (currentMax > peak) peak = currentMax
        // At the cap: halve, and the point just filled becomes the first half of the next (twice as long) one.
        if (this.points === this.maxPoints) {
          this.halve()
          continue
        }
        this.push(currentMin, currentMax)
        currentMin = Infinity
        currentMax = -Infinity
        filled = 0
      }
    }
    Object.assign(this, { currentMin, currentMax, filled, peak })
    this.samples += length
  }

  /** The zoomed waveform, and the overview made from it (each overview point spans whole zoom points). */
  finish (): { zoom: WaveformJson, overview: WaveformJson } {
    if (this.filled > 0) {
      this.peak = Math.max(this.peak, -this.currentMin, this.currentMax)
      this.push(this.currentMin, this.currentMax)
      this.filled = 0
    }
    const zoom = this.waveform(1)
    const factor = Math.max(1, Math.ceil(this.points / OVERVIEW_MAX_POINTS))
    return { zoom, overview: factor === 1 ? zoom : this.waveform(factor) }
  }

  private waveform (factor: number): WaveformJson {
    const length = Math.ceil(this.points / factor)
    const data = new Array<number>(length * 2)
    for (let point = 0; point < length; point++) {
      let min = Infinity
      let max = -Infinity
      for (let i = point * factor; i < Math.min(this.points, (point + 1) * factor); i++) {
        if (this.mins[i] < min) min = this.mins[i]
        if (this.maxs[i] > max) max = this.maxs[i]
      }
      data[point * 2] = toByte(min)
      data[point * 2 + 1] = toByte(max)
    }
    return {
      version: 2,
      channels: 1,
      sample_rate: this.sampleRate,
      samples_per_pixel: this.samplesPerPixel * factor,
      bits: 8,
      length,
      data
    }
  }

  private push (min: number, max: number) {
    if (this.points === this.mins.length) {
      this.mins = grow(this.mins)
      this.maxs = grow(this.maxs)
    }
    this.mins[this.points] = min
    this.maxs[this.points] = max
    this.points++
  }

  /** Merges neighbouring points: half the points, twice the samples per point. */
  private halve () {
    const half = Math.floor(this.points / 2)
    for (let i = 0; i < half; i++) {
      this.mins[i] = Math.min(this.mins[2 * i], this.mins[2 * i + 1])
      this.maxs[i] = Math.max(this.maxs[2 * i], this.maxs[2 * i + 1])
    }
    this.points = half
    this.samplesPerPixel *= 2
  }
}

function grow (array: Float32Array) {
  const bigger = new Float32Array(array.length * 2)
  bigger.set(array)
  return bigger
}
