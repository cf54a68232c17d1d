import t from 'tap'
import { analyseAudio } from '../../services/analysis/analyse-audio.js'
import { PeaksBuilder, ZOOM_SAMPLES_PER_PIXEL } from '../../services/analysis/peaks.js'
import { decodeToPcm, encodeMp3, ffmpegLoudness, skipWithoutFfmpeg as skip } from '../support/ffmpeg.js'
import { encodeTone, TONE } from '../support/ffmpeg-audio.js'

/** Feeds the file in small chunks, as the worker gets it from storage. */
async function * chunksOf (file: Buffer, size = 4096) {
  for (let i = 0; i < file.length; i += size) yield file.subarray(i, i + size)
}

t.test('a tone: the expected number of points, its amplitude within 2 %, its duration, level and loudness', { skip }, async (t) => {
  const seconds = 2.5
  const amplitude = 0.5
  // ffmpeg's sine source has an amplitude of 1/8.
  const mp3 = encodeMp3(`sine=frequency=440:duration=${seconds}:sample_rate=44100`, ['-af', `volume=${amplitude * 8}`, '-ac', '1', '-b:a', '320k'])
  const result = await analyseAudio('mp3', chunksOf(mp3))
  const samples = seconds * 44100
  t.equal(result.duration, seconds, 'exact duration from the decoded samples (gapless)')
  t.match(result, { sample_rate: 44100, channels: 1 })
  t.equal(result.zoom.length, Math.ceil(samples / ZOOM_SAMPLES_PER_PIXEL), 'one point per 512 samples')
  t.equal(result.zoom.data.length, result.zoom.length * 2, 'a min and a max per point')
  t.match(result.zoom, { version: 2, channels: 1, sample_rate: 44100, samples_per_pixel: 512, bits: 8 })
  t.same(result.overview, result.zoom, 'short enough for the overview to be the zoom itself')
  // Every full point of a 440 Hz tone (86 samples per period) holds a whole period: its peaks are the amplitude.
  const full = result.zoom.data.slice(2, -4)
  const top = Math.max(...full) / 127
  const bottom = -Math.min(...full) / 127
  for (const [name, value] of [['max', top], ['min', bottom]] as const) {
    t.ok(Math.abs(value - amplitude) <= 0.02 * amplitude, `${name} ${value.toFixed(4)} within 2 % of ${amplitude}`)
  }
  t.ok(full.every((value, i) => Math.abs(Math.abs(value) / 127 - amplitude) <= 0.02 * amplitude + 1 / 127), 'every point, not just the loudest')
  t.ok(Math.abs(result.peak_dbfs! - 20 * Math.log10(amplitude)) < 0.2, `peak ${result.peak_dbfs} dBFS`)
  const reference = ffmpegLoudness(mp3)
  t.ok(Math.abs(result.loudness_lufs! - reference) <= 0.2, `loudness ${result.loudness_lufs} LUFS, ffmpeg's ebur128 says ${reference}`)
})

t.test('silence gives zeros, no peak level and no loudness', { skip }, async (t) => {
  const mp3 = encodeMp3('anullsrc=channel_layout=stereo:sample_rate=48000', ['-t', '1.5'])
  const result = await analyseAudio('mp3', chunksOf(mp3))
  t.equal(result.duration, 1.5)
  t.equal(result.zoom.length, Math.ceil(1.5 * 48000 / 512))
  t.ok(result.zoom.data.every((value) => value === 0), 'every point is 0')
  t.same([result.peak_dbfs, result.loudness_lufs], [null, null])
})

t.test('a real file\'s peaks match those computed from ffmpeg\'s own decoding of it', { skip }, async (t) => {
  // Stereo, channels of different shapes and levels, amplitude changing over time.
  const source = 'aevalsrc=0.8*sin(2*PI*220*t)*abs(sin(PI*t/3))+0.1*sin(2*PI*3000*t)|0.5*sin(2*PI*331*t)*(t/8):s=44100:d=8'
  const mp3 = encodeMp3(source, ['-b:a', '128k'])
  const result = await analyseAudio('mp3', chunksOf(mp3, 10_000))
  const pcm = decodeToPcm(mp3, 2)
  const frames = pcm.length / 2
  t.equal(result.duration, frames / 44100, 'the same number of samples as ffmpeg decodes')

  const expected: number[] = []
  for (let start = 0; start < frames; start += 512) {
    let min = Infinity
    let max = -Infinity
    for (let i = start * 2; i < Math.min(frames, start + 512) * 2; i++) {
      min = Math.min(min, pcm[i])
      max = Math.max(max, pcm[i])
    }
    expected.push(Math.round(min / 32768 * 127), Math.round(max / 32768 * 127))
  }
  t.equal(result.zoom.data.length, expected.length)
  const worst = Math.max(...expected.map((value, i) => Math.abs(value - result.zoom.data[i])))
  t.ok(worst <= 1, `every value within 1 of ffmpeg's (worst ${worst} of 127)`)
  t.ok(expected.some((value) => Math.abs(value) > 90), 'loud parts are there to compare')
})

t.test('the zoom halves its resolution at its cap, so memory stays bounded', async (t) => {
  const builder = new PeaksBuilder(8)
  const total = 512 * 20 + 100
  const ramp = new Float32Array(total).map((_, i) => (i / total) * 2 - 1)
  // Uneven chunk sizes, as decoders deliver.
  for (let i = 0; i < total; i += 700) builder.add([ramp.subarray(i, i + 700)], Math.min(700, total - i), 8000)
  const { zoom } = builder.finish()
  t.equal(zoom.samples_per_pixel, 512 * 4, 'halved twice: 20 points of 512 do not fit in 8, 6 of 2048 do')
  t.equal(zoom.length, Math.ceil(total / 2048))
  const expected = []
  for (let start = 0; start < total; start += 2048) {
    const block = ramp.subarray(start, start + 2048)
    expected.push(Math.round(Math.min(...block) * 127), Math.round(Math.max(...block) * 127))
  }
  t.same(zoom.data, expected, 'the same peaks as computed at that resolution directly')
  t.equal(builder.samples, total)
})

t.test('the overview has at most 1000 points, each spanning whole zoom points', async (t) => {
  const builder = new PeaksBuilder()
  const block = new Float32Array(512 * 2500).fill(0.25)
  block[512 * 1234 + 7] = -1
  builder.add([block], block.length, 44100)
  const { zoom, overview } = builder.finish()
  t.equal(zoom.length, 2500)
  t.equal(overview.samples_per_pixel, 512 * 3)
  t.equal(overview.length, Math.ceil(2500 / 3))
  t.equal(overview.data[Math.floor(1234 / 3) * 2], -127, 'a single-sample dip survives in the overview')
  t.equal(builder.peak, 1)
})

t.test('WAV (PCM and float, any chunk size): the same peaks as from its samples, exact duration', async (t) => {
  const sampleRate = 8000
  const frames = 5000
  const left = Float32Array.from({ length: frames }, (_, i) => 0.7 * Math.sin(2 * Math.PI * 440 * i / sampleRate))
  const right = Float32Array.from({ length: frames }, (_, i) => (i % 1000) / 1000 - 0.5)
  for (const { encoding, bits } of [{ encoding: 1, bits: 16 }, { encoding: 1, bits: 24 }, { encoding: 3, bits: 32 }]) {
    const wav = makeStereoWav(left, right, sampleRate, encoding, bits)
    const result = await analyseAudio('wav', chunksOf(wav, 333))
    t.equal(result.duration, frames / sampleRate, `${bits}-bit: exact duration`)
    t.equal(result.channels, 2)
    const expected = new PeaksBuilder()
    expected.add([left, right], frames, sampleRate)
    const worst = Math.max(...expected.finish().zoom.data.map((value, i) => Math.abs(value - result.zoom.data[i])))
    t.ok(worst <= 1, `${bits}-bit: peaks within 1 of the samples' (worst ${worst})`)
  }
  await t.rejects(analyseAudio('wav', chunksOf(Buffer.from('RIFF\0\0\0\0AVI LIST'))), /Not a RIFF\/WAVE file/)
  await t.rejects(analyseAudio('m4a', chunksOf(Buffer.alloc(10))), /No decoder for the format m4a/)
})

/** A stereo WAV with an extra chunk before the data (as many writers add), samples as given. */
function makeStereoWav (left: Float32Array, right: Float32Array, sampleRate: number, encoding: number, bits: number) {
  const bytes = bits / 8
  const data = Buffer.alloc(left.length * 2 * bytes)
  left.forEach((_, i) => {
    for (const [c, value] of [[0, left[i]], [1, right[i]]] as const) {
      const at = (i * 2 + c) * bytes
      if (encoding === 3) data.writeFloatLE(value, at)
      else data.writeIntLE(Math.round(value * (2 ** (bits - 1) - 1)), at, bytes)
    }
  })
  const fmt = Buffer.alloc(24)
  fmt.write('fmt ', 0, 'latin1')
  fmt.writeUInt32LE(16, 4)
  fmt.writeUInt16LE(encoding, 8)
  fmt.writeUInt16LE(2, 10)
  fmt.writeUInt32LE(sampleRate, 12)
  fmt.writeUInt32LE(sampleRate * 2 * bytes, 16)
  fmt.writeUInt16LE(2 * bytes, 20)
  fmt.writeUInt16LE(bits, 22)
  const list = Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx\0', 'latin1')])
  const dataHeader = Buffer.alloc(8)
  dataHeader.write('data', 0, 'latin1')
  dataHeader.writeUInt32LE(data.length, 4)
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, list, dataHeader, data])
  const riff = Buffer.alloc(8)
  riff.write('RIFF', 0, 'latin1')
  riff.writeUInt32LE(body.length, 4)
  return Buffer.concat([riff, body])
}

t.test('FLAC, Ogg Vorbis and Ogg Opus (wasm-audio-decoders): a tone\'s duration, level and number of points', { skip }, async (t) => {
  // FLAC and Vorbis give back the exact samples; Opus decodes at 48 kHz and its last packet is padded.
  const durationTolerance = { flac: 0.001, ogg: 0.001, opus: 0.025 } as const
  for (const format of ['flac', 'ogg', 'opus'] as const) {
    const file = encodeTone(format)
    const result = await analyseAudio(format, chunksOf(file, 1000))
    t.ok(Math.abs(result.duration - TONE.seconds) <= durationTolerance[format], `${format}: duration ${result.duration} s`)
    // The level ffmpeg's decoding of the same file reaches (lossy codecs overshoot the tone's 1/8). For
    // Opus, with libopus, the reference decoder: ffmpeg's own Opus decoder peaks 0.7 dB lower on this tone.
    const level = 20 * Math.log10(decodeToPcm(file, 1, format === 'opus' ? ['-c:a', 'libopus'] : []).reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0) / 32768)
    t.ok(Math.abs(result.peak_dbfs! - level) < 0.3, `${format}: peak ${result.peak_dbfs} dBFS, ffmpeg's ${level.toFixed(2)}`)
    t.equal(result.zoom.length, Math.ceil(result.duration * result.sample_rate / ZOOM_SAMPLES_PER_PIXEL), `${format}: one zoom point per ${ZOOM_SAMPLES_PER_PIXEL} samples`)
    t.equal(result.sample_rate, format === 'opus' ? 48_000 : TONE.sampleRate)
  }
  await t.rejects(analyseAudio('flac', chunksOf(Buffer.from('fLaC but nothing else that decodes'))), /decod/)
})
