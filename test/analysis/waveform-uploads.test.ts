import t from 'tap'
import { build, listen, uploadAudio } from '../helper.js'
import { getRender, peaksKeys, toneMp3 as mp3, uploadRender } from '../support/waveform-uploads.js'
import { encodeTone, haveFfmpeg } from '../support/ffmpeg-audio.js'

// Each case starts the service and a decoding worker thread; on a machine busy with other suites that takes minutes.
t.setTimeout(600_000)

t.test('the proxied upload is analysed too', async (t) => {
  const { app } = await build(t)
  const { status, body } = await uploadAudio(await listen(app), mp3)
  t.equal(status, 200)
  t.equal(body.waveform, 'pending')
  await app.analysisQueue.runDue()
  t.match(await getRender(app, body.id), { waveform: 'ready', waveform_url: app.storage.publicUrl(peaksKeys(body.id)[0]) })
})

t.test('FLAC, Ogg Vorbis and Ogg Opus renders get their waveform; M4A ones say why they have none', async (t) => {
  if (!haveFfmpeg(t)) return
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const uploaded: Record<string, string> = {}
  for (const format of ['flac', 'ogg', 'opus', 'm4a'] as const) {
    const { status, body } = await uploadAudio(baseUrl, encodeTone(format), { format }, `tone.${format}`)
    t.equal(status, 200, `${format} accepted`)
    uploaded[format] = body.id
  }
  await app.analysisQueue.runDue()
  for (const format of ['flac', 'ogg', 'opus'] as const) {
    const render = await getRender(app, uploaded[format])
    t.match(render, { waveform: 'ready', waveform_url: app.storage.publicUrl(peaksKeys(uploaded[format])[0]) }, `${format}: ready`)
    t.ok(Math.abs(render.decoded_duration - 1.5) < 0.03, `${format}: decoded duration ${render.decoded_duration}`)
  }
  t.match(await getRender(app, uploaded.m4a), { waveform: 'failed', waveform_url: null })
  t.match((await app.repository.findAnalyses([uploaded.m4a]))[0], { last_error: 'No decoder for the format m4a' })
})

t.test('private renders: the waveform URLs are signed GETs, like the audio\'s', async (t) => {
  const { app } = await build(t, { RENDER_ACL: 'private' })
  const render = await uploadRender(app)
  await app.analysisQueue.runDue()
  const ready = await getRender(app, render.id)
  t.match(ready.waveform_url, /X-Amz-Signature=/)
  t.equal((await fetch(ready.waveform_url)).status, 200)
  t.equal((await fetch(app.storage.publicUrl(peaksKeys(render.id)[0]))).status, 403, 'not readable unsigned')
})

