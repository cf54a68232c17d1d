import t from 'tap'
import { inspectMp3, NotMp3Error } from '../../services/audio/inspect-mp3.js'
import { makeMp3Tone, makeWav, randomBytes, reader, withId3Tag } from '../support/audio.js'

const inspect = (bytes: Buffer) => inspectMp3(reader(bytes).read, bytes.length)

t.test('reads duration and bitrate of CBR tones', async (t) => {
  for (const [seconds, kbps] of [[3, 128], [10, 320], [1.5, 64]]) {
    const info = await inspect(makeMp3Tone({ seconds, kbps }))
    t.equal(info.bitrate, kbps, `${kbps} kbps`)
    t.ok(Math.abs(info.duration! - seconds) <= 0.1, `${seconds} s read as ${info.duration} s`)
  }
})

t.test('skips a large ID3 tag', async (t) => {
  const info = await inspect(withId3Tag(makeMp3Tone({ seconds: 3, kbps: 128 }), 200 * 1024))
  t.equal(info.bitrate, 128)
  t.ok(Math.abs(info.duration! - 3) <= 0.1, `duration ${info.duration}`)
})

t.test('the bytes read do not grow with the file size', async (t) => {
  // CBR frames chain, so repeating a 10 s tone makes long files without a long encode.
  const tenSeconds = makeMp3Tone({ seconds: 10, kbps: 128 })
  const smallFile = Buffer.concat(Array(6).fill(tenSeconds))
  const bigFile = Buffer.concat(Array(60).fill(tenSeconds))
  const unit = (await inspect(tenSeconds)).duration!
  const small = reader(smallFile)
  const big = reader(bigFile)
  const smallInfo = await inspectMp3(small.read, smallFile.length)
  const bigInfo = await inspectMp3(big.read, bigFile.length)
  const bigSize = bigFile.length
  t.ok(bigSize > 9_000_000, `${bigSize} bytes`)
  t.ok(big.counter.bytesRead < 150 * 1024, `${big.counter.bytesRead} bytes read of ${bigSize}`)
  t.equal(big.counter.bytesRead, small.counter.bytesRead, `the same for a ${smallFile.length}-byte and a ${bigSize}-byte file`)
  t.ok(Math.abs(smallInfo.duration! - 6 * unit) <= 0.1, `60 s read as ${smallInfo.duration}`)
  t.ok(Math.abs(bigInfo.duration! - 60 * unit) <= 0.1, `600 s read as ${bigInfo.duration}`)
})

t.test('refuses what is not MP3', async (t) => {
  await t.rejects(inspect(randomBytes(50_000)), NotMp3Error, 'random bytes')
  await t.rejects(inspect(makeWav(1)), { name: 'NotMp3Error', message: /WAV/ }, 'a WAV file')
  await t.rejects(inspect(makeMp3Tone({ seconds: 1 }).subarray(0, 300)), NotMp3Error, 'a truncated MP3')
  await t.rejects(inspect(Buffer.alloc(0)), NotMp3Error, 'an empty file')
  await t.rejects(inspect(withId3Tag(randomBytes(20_000), 1024)), NotMp3Error, 'an ID3 tag in front of random bytes')
})
