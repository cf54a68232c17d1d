import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import {
  ADMIN_TOKEN, build, bearer, completeUpload, createMessage, createThread, listen, listStoredKeys, putToStorage, requestUpload, uploadAudio
} from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { createTestClock } from '../support/test-clock.js'
import { newRenderRecord } from '../../services/renders/render-record.js'

const sweepNow = { orphanGraceMs: 0, pendingGraceMs: 0 }

async function inBatches<T> (items: T[], size: number, run: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run))
}

async function seedObjects (app: FastifyInstance, live: number, orphans: number) {
  const body = Buffer.from('x')
  const liveKeys: string[] = []
  const orphanKeys: string[] = []
  for (let i = 0; i < live; i++) liveKeys.push(`dev/renders/${randomUUID()}.mp3`)
  for (let i = 0; i < orphans; i++) orphanKeys.push(`dev/renders/${randomUUID()}.mp3`)
  await inBatches([...liveKeys, ...orphanKeys], 32, (key) => app.storage.putObject(key, body, { contentType: 'audio/mpeg' }))
  const now = new Date().toISOString()
  // Live renders are attached: a ready record without a message id is swept as unattached.
  await inBatches(liveKeys, 32, (key) => app.repository.insertRender(newRenderRecord({
    id: key.slice('dev/renders/'.length, -4), key, state: 'attached', size_bytes: 1, message_id: 'live-message', created_at: now
  })))
  return { liveKeys, orphanKeys }
}

function countDeleteCalls (app: FastifyInstance) {
  const calls = { count: 0 }
  const deleteObjects = app.storage.deleteObjects.bind(app.storage)
  app.storage.deleteObjects = async (keys) => {
    calls.count += Math.ceil(keys.length / 1000)
    return deleteObjects(keys)
  }
  return calls
}

/** Moves the services' clock past every object's write time, so a zero grace sees them all as old. */
async function buildWithClock (t: Parameters<typeof build>[0], overrides: Record<string, unknown> = {}) {
  const clock = createTestClock()
  const built = await build(t, overrides, { clock: clock.now })
  return { ...built, clock }
}

t.test('150 orphans among 60 live renders, over five list pages: exactly the orphans go, in one DeleteObjects call', async (t) => {
  const { app, clock } = await buildWithClock(t)
  const { liveKeys } = await seedObjects(app, 60, 150)
  const calls = countDeleteCalls(app)
  clock.advance(1000)

  const summary = await app.sweep({ dryRun: false, ...sweepNow, listPageSize: 50 })
  t.match(summary, { status: 'completed', scanned_objects: 210, orphan_objects: 150, deleted_objects: 150, missing_object_count: 0 })
  t.equal(calls.count, 1, 'deletes are batched')
  t.same((await listStoredKeys(app)).sort(), [...liveKeys].sort(), 'live renders untouched')
})

t.test('a dry run deletes nothing and reports the same counts', async (t) => {
  const { app, clock } = await buildWithClock(t, { UPLOAD_URL_TTL_SECONDS: 60 })
  await seedObjects(app, 30, 40)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  await putToStorage(ticket.upload, mp3)
  clock.advance(61_000) // past the URL's expiry, by the services' clock

  const before = (await listStoredKeys(app)).sort()
  const dry = await app.sweep({ dryRun: true, ...sweepNow })
  t.same((await listStoredKeys(app)).sort(), before, 'nothing deleted')
  const real = await app.sweep({ dryRun: false, ...sweepNow })
  const counts = (summary: typeof dry) => ({ expired: summary.expired_uploads, orphans: summary.orphan_objects, scanned: summary.scanned_objects })
  t.same(counts(dry), counts(real))
  t.equal(dry.would_delete_count, 41, 'the dry run says how many keys would go')
  t.ok(dry.would_delete!.includes(ticket.key), 'and which')
  t.same(counts(real), { expired: 1, orphans: 40, scanned: 71 })
  t.equal((await listStoredKeys(app)).length, 30, 'the expired upload\'s staging object went with its record')
})

t.test('two sweeps at once: one runs, the other reports the lease is held', async (t) => {
  const { app } = await buildWithClock(t)
  await seedObjects(app, 5, 5)
  const [first, second] = await Promise.all([app.sweep({ dryRun: false, ...sweepNow }), app.sweep({ dryRun: false, ...sweepNow })])
  t.same([first.status, second.status].sort(), ['completed', 'lease_held'])
  const third = await app.sweep({ dryRun: false, ...sweepNow })
  t.equal(third.status, 'completed', 'the lease is released afterwards')
})

t.test('an expired upload that was PUT but never completed loses its object', async (t) => {
  const { app, clock } = await buildWithClock(t, { UPLOAD_URL_TTL_SECONDS: 60 })
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  clock.advance(61_000) // past the URL's expiry, by the services' clock

  const young = await app.sweep({ dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 3600_000 })
  t.equal(young.expired_uploads, 0, 'kept within the grace period')
  t.same(await listStoredKeys(app), [`dev/uploads/${ticket.render_id}.mp3`], 'the PUT went to the staging key')

  const summary = await app.sweep({ dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 0 })
  t.equal(summary.expired_uploads, 1)
  t.same(await listStoredKeys(app), [])
  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 404)
})

t.test('an uploaded render never attached to a message loses its object after the grace; an attached one keeps it', async (t) => {
  const { app, clock } = await buildWithClock(t)
  const baseUrl = await listen(app)
  const unattached = (await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))).body
  const attached = (await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))).body
  const message = await createMessage(app, (await createThread(app)).id)
  const attach = await app.inject({
    method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render: { id: attached.id, url: attached.url } }
  })
  t.equal(attach.statusCode, 200)
  clock.advance(1000)
  const [attachedKey, unattachedKey] = [attached.id, unattached.id].map((id) => `dev/renders/${id}.mp3`)
  const cleanup = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/admin/cleanup', headers: bearer(ADMIN_TOKEN), payload })

  t.match((await cleanup({})).json(), { unattached_renders: 0, deleted_objects: 0 }, 'within ORPHAN_GRACE_SECONDS')
  t.match((await cleanup({ dry_run: true, older_than: '0s' })).json(), { dry_run: true, unattached_renders: 1, orphan_objects: 0, deleted_objects: 0 })
  t.same((await listStoredKeys(app)).sort(), [attachedKey, unattachedKey].sort(), 'the dry run deletes nothing')

  t.match((await cleanup({ older_than: '0s' })).json(), { unattached_renders: 1, orphan_objects: 0, deleted_objects: 1, kept_in_use: 0 })
  t.same(await listStoredKeys(app), [attachedKey], 'only the attached render\'s object is left')
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/renders/${unattached.id}`, headers: bearer() })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/renders/${attached.id}`, headers: bearer() })).statusCode, 200)
  t.equal(await app.repository.countDeletions(), 0, 'nothing left queued')
})

t.test('renders whose object is missing are reported', async (t) => {
  const { app } = await buildWithClock(t)
  const { liveKeys } = await seedObjects(app, 3, 0)
  await app.storage.deleteObjects([liveKeys[0]])
  const summary = await app.sweep({ dryRun: true, ...sweepNow })
  t.equal(summary.missing_object_count, 1)
  t.same(summary.missing_objects, [liveKeys[0]])
})

t.test('POST /api/v1/admin/cleanup needs ADMIN_TOKEN and returns the summary', async (t) => {
  const { app, clock } = await buildWithClock(t)
  await seedObjects(app, 2, 3)
  clock.advance(1000)
  const url = '/api/v1/admin/cleanup'
  t.equal((await app.inject({ method: 'POST', url, payload: {} })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url, headers: bearer(), payload: {} })).statusCode, 403, 'the app token is refused')
  const dry = await app.inject({ method: 'POST', url, headers: bearer(ADMIN_TOKEN), payload: { dry_run: true, older_than: '0s' } })
  t.equal(dry.statusCode, 200)
  t.match(dry.json(), { status: 'completed', dry_run: true, orphan_objects: 3, deleted_objects: 0 })
  const real = await app.inject({ method: 'POST', url, headers: bearer(ADMIN_TOKEN), payload: { older_than: '0s' } })
  t.match(real.json(), { dry_run: false, orphan_objects: 3, deleted_objects: 3 })
  const young = await app.inject({ method: 'POST', url, headers: bearer(ADMIN_TOKEN), payload: { older_than: '24h' } })
  t.match(young.json(), { orphan_objects: 0 })
  t.equal((await app.inject({ method: 'POST', url, headers: bearer(ADMIN_TOKEN), payload: { older_than: 'soon' } })).statusCode, 400)
})
