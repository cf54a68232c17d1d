import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, API_TOKEN, bearer, build, createThread, listen, putToStorage, requestUpload, uploadAudio } from '../helper.js'
import { orphanRecord } from '../../services/renders/render-record.js'
import { createTestClock } from '../support/test-clock.js'
import { makeMp3Tone, randomBytes } from '../support/audio.js'

const METRICS_TOKEN = 'test-metrics-token-0123456789'

/** One scrape, as `name{labels}` → value (comments and HELP lines dropped). */
async function scrape (app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) })
  if (res.statusCode !== 200) throw new Error(`scrape failed: ${res.statusCode} ${res.body}`)
  const samples = new Map<string, number>()
  for (const line of res.body.split('\n')) {
    const match = /^([a-z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/i.exec(line)
    if (match !== null) samples.set(match[1], Number(match[2]))
  }
  return { text: res.body, samples, contentType: res.headers['content-type'] }
}

t.test('GET /metrics is off unless METRICS_TOKEN is set, and says how to turn it on', async (t) => {
  const { app } = await build(t)
  for (const headers of [{}, bearer(API_TOKEN)]) {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers })
    t.equal(res.statusCode, 404)
    t.match(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: /METRICS_TOKEN/ })
  }
})

t.test('GET /metrics needs the metrics token in the Authorization header', async (t) => {
  const { app, logs } = await build(t, { METRICS_TOKEN })
  const refused = [
    { headers: {} },
    { headers: bearer(API_TOKEN) },
    { headers: bearer(ADMIN_TOKEN) },
    { headers: { authorization: `Basic ${METRICS_TOKEN}` } },
    { headers: {}, query: { token: METRICS_TOKEN } }
  ]
  for (const { headers, query } of refused) {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers, query })
    t.equal(res.statusCode, 401)
    t.match(res.json(), { statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized', message: /METRICS_TOKEN/ })
  }
  const { contentType, text } = await scrape(app)
  t.match(contentType, /^text\/plain; version=0\.0\.4/)
  t.match(text, /^process_cpu_seconds_total \d/m, 'Node process metrics are included')
  t.notOk(logs.some((line) => line.includes(METRICS_TOKEN)), 'the token is never logged')
})

t.test('uploads, refusals and request durations move by exactly what happened, with route patterns only', async (t) => {
  const { app } = await build(t, { METRICS_TOKEN, MAX_UPLOAD_BYTES: 40_000 })
  const baseUrl = await listen(app)
  const before = (await scrape(app)).samples
  const mp3 = makeMp3Tone({ seconds: 1, kbps: 128 })

  const good = await uploadAudio(baseUrl, mp3)
  t.equal(good.status, 200)
  const secondMp3 = makeMp3Tone({ seconds: 2, kbps: 64 })
  t.equal((await uploadAudio(baseUrl, secondMp3)).status, 200)
  t.equal((await uploadAudio(baseUrl, randomBytes(5_000))).status, 415)
  t.equal((await uploadAudio(baseUrl, makeMp3Tone({ seconds: 5, kbps: 128 }))).status, 413)
  t.equal((await uploadAudio(baseUrl, mp3, { token: 'not-the-token' })).status, 401)
  t.equal((await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', headers: bearer('wrong-bearer-token') })).status, 401)
  t.equal((await uploadAudio(baseUrl, mp3, { bitrate: 'loud' })).status, 400)
  const thread = await createThread(app)
  const render = await app.inject({ method: 'GET', url: `/api/v1/renders/${good.body.id}?token=${API_TOKEN}` })
  t.equal(render.statusCode, 200)
  t.equal((await requestUpload(app, { size_bytes: 1000 })).statusCode, 201)

  const { samples: after, text } = await scrape(app)
  const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0)
  t.equal(moved('uploads_completed_total'), 2)
  t.equal(moved('upload_bytes_total'), mp3.length + secondMp3.length)
  t.equal(moved('uploads_refused_total{reason="not_mp3"}'), 1)
  t.equal(moved('uploads_refused_total{reason="too_large"}'), 1)
  t.equal(moved('uploads_refused_total{reason="unauthorized"}'), 2)
  t.equal(moved('uploads_refused_total{reason="invalid_request"}'), 1)
  t.equal(moved('http_request_duration_seconds_count{method="POST",route="/api/v1/upload/audio",status_code="200"}'), 2)
  t.equal(moved('http_request_duration_seconds_count{method="POST",route="/api/v1/upload/audio",status_code="401"}'), 2)
  t.equal(moved('http_request_duration_seconds_count{method="GET",route="/api/v1/renders/:id",status_code="200"}'), 1)
  t.equal(moved('http_request_duration_seconds_count{method="POST",route="/api/v1/threads",status_code="201"}'), 1)

  for (const secret of [API_TOKEN, ADMIN_TOKEN, METRICS_TOKEN, 'not-the-token', 'wrong-bearer-token', good.body.id, thread.id]) {
    t.notOk(text.includes(secret), `the scrape does not hold ${secret}`)
  }
  const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((match) => match[1]))
  t.ok(routes.size > 0)
  for (const route of routes) t.match(route, /^(\/[a-z0-9_-]*|\/:[a-z]+)+$/i, `${route} is a route pattern`)
})

t.test('deletion_queue_depth is read from the database at each scrape', async (t) => {
  const { app, logs } = await build(t, { METRICS_TOKEN })
  const depth = async () => (await scrape(app)).samples.get('deletion_queue_depth')
  t.equal(await depth(), 0)
  for (const key of ['dev/renders/a.mp3', 'dev/renders/b.mp3']) await app.repository.insertRender(orphanRecord(key, new Date().toISOString()))
  t.equal(await depth(), 2)

  app.renderMetrics.setQueueDepthSource(async () => { throw Object.assign(new Error('database is down'), { code: 'ECONNREFUSED' }) })
  const scraped = await scrape(app)
  t.ok(Number.isNaN(scraped.samples.get('deletion_queue_depth')), 'unknown, not a stale or made-up number')
  t.match(scraped.text, /^uploads_completed_total 0$/m, 'the rest of the scrape still answers')
  t.ok(logs.some((line) => line.includes('could not read the deletion queue depth')))
})

t.test('direct uploads, deletion failures and sweeps are counted where they happen', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, { METRICS_TOKEN }, { clock: clock.now })
  const before = (await scrape(app)).samples

  const mp3 = makeMp3Tone({ seconds: 1 })
  const good = (await requestUpload(app, { size_bytes: mp3.length })).json()
  await putToStorage(good.upload, mp3)
  const junkBytes = randomBytes(mp3.length)
  const junk = (await requestUpload(app, { size_bytes: junkBytes.length })).json()
  await putToStorage(junk.upload, junkBytes)
  const complete = (id: string) => app.inject({ method: 'POST', url: `/api/v1/uploads/${id}/complete`, headers: bearer(), payload: {} })
  t.equal((await complete(good.render_id)).statusCode, 200)
  t.equal((await complete(good.render_id)).statusCode, 200, 'a repeated complete is not counted again')
  t.equal((await complete(junk.render_id)).statusCode, 422)

  const thread = await createThread(app)
  const message = (await app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, renders: [{ id: good.render_id, url: app.storage.publicUrl(good.key) }] } })).json()
  const deleteObjects = app.storage.deleteObjects
  app.storage.deleteObjects = async (keys) => ({ deleted: [], failed: keys.map((key) => ({ key, code: 'ServiceUnavailable', message: 'down' })) })
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })).statusCode, 200)
  app.storage.deleteObjects = deleteObjects

  clock.advance(1000)
  const sweeps = await Promise.all([app.sweep({ ...app.defaultSweepOptions, dryRun: false }), app.sweep({ ...app.defaultSweepOptions, dryRun: false })])
  t.same(sweeps.map((sweep) => sweep.status).sort(), ['completed', 'lease_held'])
  t.equal(sweeps.find((sweep) => sweep.status === 'completed')!.deleted_objects, 1, 'the explicit sweep retried the failed deletion')
  await app.sweep({ ...app.defaultSweepOptions, dryRun: true })
  const listObjects = app.storage.listObjects
  app.storage.listObjects = async () => { throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }
  await t.rejects(app.sweep({ ...app.defaultSweepOptions, dryRun: false }))
  app.storage.listObjects = listObjects

  const after = (await scrape(app)).samples
  const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0)
  t.equal(moved('uploads_issued_total'), 2)
  t.equal(moved('uploads_completed_total'), 1)
  t.equal(moved('upload_bytes_total'), mp3.length)
  t.equal(moved('uploads_refused_total{reason="object_rejected"}'), 1)
  t.equal(moved('deletion_failures_total'), 1)
  t.equal(moved('sweeper_runs_total{status="completed"}'), 1)
  t.equal(moved('sweeper_runs_total{status="lease_held"}'), 1)
  t.equal(moved('sweeper_runs_total{status="dry_run"}'), 1)
  t.equal(moved('sweeper_runs_total{status="failed"}'), 1)
  t.equal(moved('sweeper_deleted_objects_total'), 1)
})
