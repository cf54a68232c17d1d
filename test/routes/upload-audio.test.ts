import t from 'tap'
import { build, bearer, listen, listStoredKeys, uploadAudio } from '../helper.js'
import { makeMp3Tone, makeWav, randomBytes } from '../support/audio.js'

t.test('a real MP3 round-trips through the multipart upload', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const mp3 = makeMp3Tone({ seconds: 3, kbps: 128 })

  const { status, body } = await uploadAudio(baseUrl, mp3)
  t.equal(status, 200)
  t.match(body, { format: 'mp3', size_bytes: mp3.length, bitrate: 128 })
  t.ok(Math.abs(body.duration - 3) <= 0.1, `duration ${body.duration} read from the file within 0.1 s`)
  t.match(body.id, /^[0-9a-f-]{36}$/)
  t.equal(body.url, app.storage.publicUrl(`dev/renders/${body.id}.mp3`), 'seed key layout {ENV}/renders/{uuid}.mp3')
  const seedFields = ['bitrate', 'created_at', 'duration', 'format', 'id', 'size_bytes', 'url']
  const analysisFields = ['decoded_duration', 'loudness_lufs', 'peak_dbfs', 'waveform', 'waveform_url', 'waveform_zoom_url']
  t.same(Object.keys(body).sort(), [...seedFields, ...analysisFields].sort(), 'the seed\'s fields, plus the analysis fields (additive)')
  t.match(body, { waveform: 'pending', waveform_url: null }, 'the waveform is computed in the background')

  const served = Buffer.from(await (await fetch(body.url)).arrayBuffer())
  t.ok(served.equals(mp3), 'the bytes in storage equal the bytes sent')
})

t.test('client-sent bitrate and duration are kept, as in the seed', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { status, body } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }), { bitrate: '320', duration: '45.5' })
  t.equal(status, 200)
  t.equal(body.bitrate, 320)
  t.equal(body.duration, 45.5)
})

t.test('the Bearer header works instead of the token field', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(makeMp3Tone({ seconds: 1 }))]), 'a.mp3')
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form, headers: bearer() })
  t.equal(res.status, 200)
})

t.test('refused uploads leave no object behind', async (t) => {
  const { app } = await build(t, { MAX_UPLOAD_BYTES: 40_000 })
  const baseUrl = await listen(app)

  const random = await uploadAudio(baseUrl, randomBytes(20_000))
  t.equal(random.status, 415)
  t.match(random.body, { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' })

  const wav = await uploadAudio(baseUrl, makeWav(0.2), {}, 'definitely-an.mp3')
  t.equal(wav.status, 415, 'a WAV named .mp3 is refused by its bytes')

  const tooBig = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 5, kbps: 128 }))
  t.equal(tooBig.status, 413)
  t.match(tooBig.body, { statusCode: 413 })

  const badFormat = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }), { format: '../../etc/passwd' })
  t.equal(badFormat.status, 400)
  const badBitrate = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }), { bitrate: 'loud' })
  t.equal(badBitrate.status, 400)
  const badToken = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }), { token: 'not-the-token' })
  t.equal(badToken.status, 401)

  const noFile = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: (() => { const f = new FormData(); f.append('format', 'mp3'); return f })(), headers: bearer() })
  t.equal(noFile.status, 400)

  t.same(await listStoredKeys(app), [], 'nothing left in storage')
  t.equal(await app.repository.countDeletions(), 0, 'nothing left to clean up either')
})

t.test('a file over MAX_UPLOAD_BYTES sent without Content-Length is cut off at the limit and refused', async (t) => {
  const { app } = await build(t, { MAX_UPLOAD_BYTES: 30_000 })
  const baseUrl = await listen(app)
  const mp3 = makeMp3Tone({ seconds: 6, kbps: 128 })
  const boundary = 'x-boundary-1234'
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const chunks = [head, mp3, tail]
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: new ReadableStream({ pull (controller) { const chunk = chunks.shift(); if (chunk === undefined) controller.close(); else controller.enqueue(chunk) } }),
    duplex: 'half'
  } as RequestInit)
  t.equal(res.status, 413)
  t.same(await listStoredKeys(app), [])
})
