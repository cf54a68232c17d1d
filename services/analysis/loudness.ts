/**
 * Integrated loudness (ITU-R BS.1770-4 / EBU R128), measured as the audio streams past: K-weighting
 * filters, mean square per 100 ms, 400 ms gating blocks overlapping by 75 %, absolute gate at
 * -70 LUFS, relative gate 10 LU below. Only one number per 100 ms is kept. Hand-written because the
 * loudness packages on npm take the whole signal in memory (ebur128-wasm) and the render may be hours long.
 * Filter coefficients for any sample rate as in libebur128.
 */
export class LoudnessMeter {
  private readonly filters: KWeighting[] = []
  private readonly stepSamples: number
  private stepFill = 0
  private stepEnergy = 0
  /** Mean-square energy of each 100 ms step, summed over channels. */
  private readonly steps: number[] = []

  constructor (sampleRate: number, private readonly channels: number) {
    for (let c = 0; c < channels; c++) this.filters.push(new KWeighting(sampleRate))
    this.stepSamples = Math.round(sampleRate / 10)
  }

  add (channelData: Float32Array[], length: number) {
    let { stepFill, stepEnergy } = this
    for (let i = 0; i < length; i++) {
      for (let c = 0; c < this.channels; c++) {
        const weighted = this.filters[c].process(channelData[c][i])
        // BS.1770 weights: 1.0 for left, right, centre; 1.41 for the surround channels.
        stepEnergy += (c >= 3 ? 1.41 : 1) * weighted * weighted
      }
      if (++stepFill === this.stepSamples) {
        this.steps.push(stepEnergy / this.stepSamples)
        stepFill = 0
        stepEnergy = 0
      }
    }
    this.stepFill = stepFill
    this.stepEnergy = stepEnergy
  }

  /** LUFS, or null when the audio is shorter than one block or quieter than the absolute gate throughout. */
  integrated (): number | null {
    const blocks: number[] = []
    for (let i = 3; i < this.steps.length; i++) blocks.push((this.steps[i - 3] + this.steps[i - 2] + this.steps[i - 1] + this.steps[i]) / 4)
    const loudness = (energy: number) => -0.691 + 10 * Math.log10(energy)
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length
    const audible = blocks.filter((energy) => loudness(energy) > -70)
    if (audible.length === 0) return null
    const relativeGate = loudness(mean(audible)) - 10
    const gated = audible.filter((energy) => loudness(energy) > relativeGate)
    return loudness(mean(gated))
  }
}

/** The two biquads of BS.1770's K-weighting (a high shelf, then a high pass), in direct form I. */
class KWeighting {
  private readonly b: number[]
  private readonly a: number[]
  private x1 = 0; private x2 = 0; private y1 = 0; private y2 = 0
  private u1 = 0; private u2 = 0; private z1 = 0; private z2 = 0
  private readonly rb = [1, -2, 1]
  private readonly ra: number[]

  constructor (rate: number) {
    let f0 = 1681.974450955533
    const gain = 3.999843853973347
    let q = 0.7071752369554196
    let k = Math.tan(Math.PI * f0 / rate)
    const vh = 10 ** (gain / 20)
    const vb = vh ** 0.4996667741545416
    const a0 = 1 + k / q + k * k
    this.b = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    this.a = [2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0 = 38.13547087602444
    q = 0.5003270373238773
    k = Math.tan(Math.PI * f0 / rate)
    const d0 = 1 + k / q + k * k
    this.ra = [2 * (k * k - 1) / d0, (1 - k / q + k * k) / d0]
  }

  process (x: number) {
    const y = this.b[0] * x + this.b[1] * this.x1 + this.b[2] * this.x2 - this.a[0] * this.y1 - this.a[1] * this.y2
    this.x2 = this.x1; this.x1 = x; this.y2 = this.y1; this.y1 = y
    const z = this.rb[0] * y + this.rb[1] * this.u1 + this.rb[2] * this.u2 - this.ra[0] * this.z1 - this.ra[1] * this.z2
    this.u2 = this.u1; this.u1 = y; this.z2 = this.z1; this.z1 = z
    return z
  }
}
