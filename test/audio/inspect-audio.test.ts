import t from 'tap'
import { AUDIO_FORMAT_NAMES, AUDIO_FORMATS } from '../../services/audio/audio-formats.js'
import { inspectAudio, WrongAudioFormatError } from '../../services/audio/inspect-audio.js'
import type { RangeReader } from '../../services/audio/range-tokenizer.js'
import { makeMp3Tone, makeWav, randomBytes, reader } from '../support/audio.js'
import { DURATION_TOLERANCE, encodeTone, haveFfmpeg, TONE } from '../support/ffmpeg-audio.js'

if (haveFfmpeg(t)) {
  const tones = new Map(AUDIO_FORMAT_NAMES.map((format) => [format, encodeTone(format)]))

  t.test('each format is recognized with its duration and average bitrate', async (t) => {
    for (const [format, bytes] of tones) {
      const info = await inspectAudio(reader(bytes).read, bytes.length, format)
      t.ok(Math.abs(info.duration! - TONE.seconds) <= DURATION_TOLERANCE[format], `${format}: ${info.duration} s for a ${TONE.seconds} s tone`)
      if (format !== 'mp3') t.equal(info.bitrate, Math.round(bytes.length * 8 / info.duration! / 1000), `${format}: bitrate is size over duration`)
    }
  })

  t.test('the bytes of each format claimed as any other are refused, naming what they are', async (t) => {
    for (const [actual, bytes] of tones) {
      for (const claimed of AUDIO_FORMAT_NAMES.filter((format) => format !== actual)) {
        await t.rejects(inspectAudio(reader(bytes).read, bytes.length, claimed), {
          name: 'WrongAudioFormatError',
          message: `it is ${AUDIO_FORMATS[actual].label}`
        }, `${actual} claimed as ${claimed}`)
      }
    }
  })

  t.test('only the headers are read, not the audio', async (t) => {
    for (const format of ['wav', 'flac'] as const) {
      const bytes = encodeTone(format, { seconds: 30, sampleRate: TONE.sampleRate })
      const { read, counter } = reader(bytes)
      const info = await inspectAudio(read, bytes.length, format)
      t.equal(info.duration, 30, `${format}: 30 s`)
      t.ok(counter.bytesRead <= 2 * 64 * 1024 && counter.bytesRead < bytes.length / 2, `${format}: read ${counter.bytesRead} of ${bytes.length} bytes`)
    }
  })

  t.test('an Ogg file cut short has no duration rather than a wrong one', async (t) => {
    for (const format of ['ogg', 'opus'] as const) {
      const whole = encodeTone(format, { seconds: 6, sampleRate: TONE.sampleRate })
      const cut = whole.subarray(0, whole.length - 100)
      t.equal((await inspectAudio(reader(cut).read, cut.length, format)).duration, null, format)
    }
  })
}

t.test('an MP3 is sniffed and checked with one 64 KiB read whatever its size', async (t) => {
  const mp3 = makeMp3Tone({ seconds: 10, kbps: 128 })
  let reads = 0
  const { read, counter } = reader(mp3)
  const info = await inspectAudio(async (start, end) => { reads++; return read(start, end) }, mp3.length, 'mp3')
  t.ok(Math.abs(info.duration! - 10) <= 0.1 && info.bitrate === 128, JSON.stringify(info))
  t.same({ reads, bytes: counter.bytesRead }, { reads: 1, bytes: 64 * 1024 })
})

t.test('a WAV whose header claims more audio than the file holds lasts only as long as its bytes', async (t) => {
  const whole = makeWav(2, 8000)
  const cut = whole.subarray(0, 44 + 8000 * 2)
  const info = await inspectAudio(reader(cut).read, cut.length, 'wav')
  t.ok(Math.abs(info.duration! - 1) <= 0.01, `${info.duration} s`)
})

t.test('a failed storage read is passed on as it came, never taken for bad bytes', async (t) => {
  const wav = makeWav(1, 8000)
  const outage = new Error('storage is down')
  for (const format of AUDIO_FORMAT_NAMES) {
    await t.rejects(inspectAudio(async () => { throw outage }, wav.length, format), outage, `claimed ${format}, failing at once`)
  }
  // The first 64 KiB (the header and the start of the audio) come back; the parser's next read fails.
  const long = makeWav(30, 16_000)
  let reads = 0
  const failingLater: RangeReader = async (start, end) => {
    if (reads++ > 0) throw outage
    return long.subarray(start, end + 1)
  }
  await t.rejects(inspectAudio(failingLater, long.length, 'wav'), outage, 'a WAV whose later read fails')
  t.equal(reads, 2)
})

t.test('empty files, random bytes and unknown formats are refused', async (t) => {
  await t.rejects(inspectAudio(reader(Buffer.alloc(0)).read, 0, 'wav'), WrongAudioFormatError)
  for (const format of AUDIO_FORMAT_NAMES) {
    const junk = randomBytes(20_000)
    await t.rejects(inspectAudio(reader(junk).read, junk.length, format), WrongAudioFormatError, `random bytes as ${format}`)
  }
  const gif = Buffer.concat([Buffer.from('GIF89a'), randomBytes(2000)])
  await t.rejects(inspectAudio(reader(gif).read, gif.length, 'flac'), { message: /GIF/ }, 'a GIF is named')
  const riffAvi = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI LIST'), randomBytes(2000)])
  await t.rejects(inspectAudio(reader(riffAvi).read, riffAvi.length, 'wav'), WrongAudioFormatError, 'a RIFF file that is no WAVE')
})
