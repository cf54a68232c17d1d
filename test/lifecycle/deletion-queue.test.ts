import t from 'tap'
import { build, bearer, createMessage, createThread, listen, listStoredKeys, uploadAudio } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { createTestClock } from '../support/test-clock.js'
import { INTERRUPTED_AFTER_MS } from '../../services/renders/render-record.js'
import { deletingFields } from '../../services/renders/render-record.js'
import type { FastifyInstance } from 'fastify'

async function messageWithRender (app: FastifyInstance, baseUrl: string) {
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  await app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render } })
  return { thread, message, render }
}

t.test('storage down during a message delete: the delete succeeds, the object goes when storage is back', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const baseUrl = await listen(app)
  const { message, render } = await messageWithRender(app, baseUrl)
  const key = `dev/renders/${render.id}.mp3`

  const deleteObjects = app.storage.deleteObjects
  app.storage.deleteObjects = async (keys) => ({ deleted: [], failed: keys.map((key) => ({ key, code: 'ServiceUnavailable', message: 'storage is down' })) })
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'deleted', id: message.id, renders_deleted: 1 })
  t.same(await listStoredKeys(app), [key], 'the object is still there')
  t.match(await app.repository.findRenderByKey(key), { state: 'deleting', attempts: 1, last_error: /ServiceUnavailable/ }, 'the failure is recorded')

  app.storage.deleteObjects = deleteObjects
  t.equal((await app.deletionQueue.runDue()).deleted, 0, 'the retry waits for its backoff')
  clock.advance(10 * 60_000)
  t.equal((await app.deletionQueue.runDue()).deleted, 1)
  t.same(await listStoredKeys(app), [])
  t.equal(await app.repository.countDeletions(), 0)
})

t.test('an explicit cleanup retries failed deletions at once, ignoring the backoff', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { message } = await messageWithRender(app, baseUrl)
  const deleteObjects = app.storage.deleteObjects
  app.storage.deleteObjects = async (keys) => ({ deleted: [], failed: keys.map((key) => ({ key, code: 'ServiceUnavailable', message: 'down' })) })
  await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })
  app.storage.deleteObjects = deleteObjects
  const summary = await app.sweep({ dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 3600_000 })
  t.equal(summary.deleted_objects, 1)
  t.same(await listStoredKeys(app), [])
})

t.test('a crash right after a message delete was marked: the sweeper finishes it', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const baseUrl = await listen(app)
  const { message } = await messageWithRender(app, baseUrl)
  // The DELETE route's first write, as if the process died right after it.
  await app.repository.markMessageDeleting(message.id, clock.now().toISOString())
  t.equal((await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).statusCode, 404, 'gone for readers at once')
  t.equal((await listStoredKeys(app)).length, 1)

  const early = await app.sweep({ dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 3600_000 })
  t.equal(early.repaired, 0, 'a delete in progress is left to its request')
  clock.advance(INTERRUPTED_AFTER_MS + 1000)
  const summary = await app.sweep({ dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 3600_000 })
  t.equal(summary.repaired, 1)
  t.equal(summary.deleted_objects, 1)
  t.same(await listStoredKeys(app), [])
})

t.test('the worker never deletes an object a live message still names', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { message, render } = await messageWithRender(app, baseUrl)
  const key = `dev/renders/${render.id}.mp3`
  // Data out of step (e.g. written before these rules): the record is deleting, the message still names it.
  await app.repository.updateRenderIf(render.id, { state: ['attached'] }, deletingFields(new Date().toISOString()))
  const outcome = await app.deletionQueue.runDue()
  t.equal(outcome.stillInUse, 1)
  t.equal(outcome.deleted, 0)
  t.same(await listStoredKeys(app), [key])
  t.match(await app.repository.findRender(render.id), { state: 'attached', message_id: message.id }, 'its record is restored')
})

t.test('deleting a thread deletes its messages and their objects', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { thread, message } = await messageWithRender(app, baseUrl)
  const { body: second } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  const other = await createMessage(app, thread.id, { renders: [second] })
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/threads/${thread.id}`, headers: bearer() })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'deleted', id: thread.id, messages_deleted: 2, renders_deleted: 2 })
  t.same(await listStoredKeys(app), [])
  for (const id of [message.id, other.id]) {
    t.equal((await app.inject({ url: `/api/v1/messages/${id}`, headers: bearer() })).statusCode, 404)
  }
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })).statusCode, 404)
})
