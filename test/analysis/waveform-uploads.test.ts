import t from 'tap'
import { build, listen, uploadAudio } from '../helper.js'
import { getRender, peaksKeys, toneMp3 as mp3, uploadRender } from '../support/waveform-uploads.js'

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

t.test('private renders: the waveform URLs are signed GETs, like the audio\'s', async (t) => {
  const { app } = await build(t, { RENDER_ACL: 'private' })
  const render = await uploadRender(app)
  await app.analysisQueue.runDue()
  const ready = await getRender(app, render.id)
  t.match(ready.waveform_url, /X-Amz-Signature=/)
  t.equal((await fetch(ready.waveform_url)).status, 200)
  t.equal((await fetch(app.storage.publicUrl(peaksKeys(render.id)[0]))).status, 403, 'not readable unsigned')
})

