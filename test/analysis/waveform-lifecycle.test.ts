import { randomUUID } from 'node:crypto'
import t from 'tap'
import { ZOOM_SAMPLES_PER_PIXEL } from '../../services/analysis/peaks.js'
import { bearer, build, createMessage, createThread, listStoredKeys } from '../helper.js'
import { getRender, peaksKeys, uploadRender } from '../support/waveform-uploads.js'
import { createTestClock } from '../support/test-clock.js'

// Each case starts the service and a decoding worker thread; on a machine busy with other suites that takes minutes.
t.setTimeout(600_000)

t.test('a verified render gets its waveform beside its audio; deleting the message deletes the audio and its peaks', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const render = await uploadRender(app, message.id)
  t.match(render, { waveform: 'pending', waveform_url: null, waveform_zoom_url: null }, 'complete answers at once; the analysis runs in the background')

  await app.analysisQueue.runDue()
  const ready = await getRender(app, render.id)
  const [overviewKey, zoomKey] = peaksKeys(render.id)
  t.match(ready, { waveform: 'ready', waveform_url: app.storage.publicUrl(overviewKey), waveform_zoom_url: app.storage.publicUrl(zoomKey) })
  t.ok(Math.abs(ready.decoded_duration - 2) < 0.1, `decoded duration ${ready.decoded_duration}`)
  t.ok(ready.peak_dbfs < 0 && ready.loudness_lufs < 0, `peak ${ready.peak_dbfs} dBFS, loudness ${ready.loudness_lufs} LUFS`)

  const waveform = await (await fetch(ready.waveform_url)).json() as Record<string, any>
  t.match(waveform, { version: 2, channels: 1, sample_rate: 44100, samples_per_pixel: ZOOM_SAMPLES_PER_PIXEL, bits: 8 },
    'audiowaveform JSON v2, readable like the audio (public here)')
  t.equal(waveform.length, Math.ceil(ready.decoded_duration * 44100 / ZOOM_SAMPLES_PER_PIXEL))
  t.equal(waveform.data.length, waveform.length * 2)

  const listed = (await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json()
  t.match(listed.renders[0], { id: render.id, waveform: 'ready', waveform_url: ready.waveform_url }, 'messages show the waveform too')
  t.same((await listStoredKeys(app)).sort(), [`dev/renders/${render.id}.mp3`, ...peaksKeys(render.id)].sort())

  const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })
  t.match(deleted.json(), { status: 'deleted', renders_deleted: 1 })
  t.same(await listStoredKeys(app), [], 'the audio and both waveform files are gone')
  t.same(await app.repository.findAnalyses([render.id]), [], 'and the job with them')
})

t.test('a thread page reads its renders\' analyses in one query, and each render shows its own waveform', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const renderOf = new Map<string, string>()
  for (let i = 0; i < 3; i++) {
    const message = await createMessage(app, thread.id)
    renderOf.set(message.id, (await uploadRender(app, message.id)).id)
  }
  const withoutRender = await createMessage(app, thread.id)
  await app.analysisQueue.runDue()

  const findAnalyses = app.repository.findAnalyses
  let queries = 0
  app.repository.findAnalyses = async (ids) => { queries++; return findAnalyses.call(app.repository, ids) }
  t.teardown(() => { app.repository.findAnalyses = findAnalyses })
  const page = (await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json()
  t.equal(queries, 1, 'one query for the whole page')
  t.equal(page.messages.length, 4)
  for (const message of page.messages) {
    if (message.id === withoutRender.id) {
      t.same(message.renders, [])
      continue
    }
    const renderId = renderOf.get(message.id)!
    t.match(message.renders, [{ id: renderId, waveform: 'ready', waveform_url: app.storage.publicUrl(peaksKeys(renderId)[0]) }], 'its own render\'s waveform')
  }
})

t.test('the sweeper keeps a live render\'s waveform and deletes waveform files of no render', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const message = await createMessage(app, (await createThread(app)).id)
  const render = await uploadRender(app, message.id)
  await app.analysisQueue.runDue()
  const stray = `dev/renders/${randomUUID()}.peaks.json`
  await app.storage.putObject(stray, Buffer.from('{}'), { contentType: 'application/json' })
  clock.advance(2000)

  const summary = await app.sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 })
  t.match(summary, { orphan_objects: 1, deleted_objects: 1 })
  t.same((await listStoredKeys(app)).sort(), [`dev/renders/${render.id}.mp3`, ...peaksKeys(render.id)].sort(), 'only the stray file went')
})

t.test('waveform files follow their thread\'s visibility, as the audio does', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const render = await uploadRender(app, message.id)
  await app.analysisQueue.runDue()
  const bareStatuses = async () => Promise.all(peaksKeys(render.id).map(async (key) => {
    const res = await fetch(app.storage.publicUrl(key))
    await res.arrayBuffer()
    return res.status
  }))
  t.same(await bareStatuses(), [200, 200], 'public thread: the bare URLs of the waveform files work')

  const setVisibility = (visibility: string) => app.inject({ method: 'PATCH', url: `/api/v1/threads/${thread.id}`, headers: bearer(), payload: { visibility } })
  t.equal((await setVisibility('private')).statusCode, 200)
  t.same(await bareStatuses(), [403, 403], 'private thread: storage refuses them')
  const signed = await getRender(app, render.id)
  t.ok(new URL(signed.waveform_url).searchParams.has('X-Amz-Signature'), 'the waveform URL is signed like the audio URL')
  t.match(await (await fetch(signed.waveform_url)).json(), { version: 2 }, 'and it works')

  t.equal((await setVisibility('public')).statusCode, 200)
  t.same(await bareStatuses(), [200, 200], 'public again')
  t.equal((await getRender(app, render.id)).waveform_url, app.storage.publicUrl(peaksKeys(render.id)[0]))
})
