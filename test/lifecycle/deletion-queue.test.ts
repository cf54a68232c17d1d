import t from 'tap'
import { build, bearer, createMessage, createThread, listen, listRenderKeys, uploadAudio } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import type { FastifyInstance } from 'fastify'

async function messageWithRender (app: FastifyInstance, baseUrl: string) {
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  await app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render } })
  return { thread, message, render }
}

const later = (ms: number) => new Date(Date.now() + ms)

t.test('storage down during a message delete: the delete succeeds, the object goes when storage is back', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { message, render } = await messageWithRender(app, baseUrl)

  const deleteObjects = app.storage.deleteObjects
  app.storage.deleteObjects = async (keys) => ({ deleted: [], failed: keys.map((key) => ({ key, code: 'ServiceUnavailable', message: 'storage is down' })) })
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'deleted', id: message.id, renders_deleted: 1 })
  t.same(await listRenderKeys(app), [`dev/renders/${render.id}.mp3`], 'the object is still there')
  const [job] = await app.repository.findDeletions([`dev/renders/${render.id}.mp3`])
  t.match(job, { attempts: 1, last_error: /ServiceUnavailable/ }, 'the failure is recorded')

  app.storage.deleteObjects = deleteObjects
  const early = await app.deletionQueue.runDue()
  t.equal(early.deleted, 0, 'the retry waits for its backoff')
  const outcome = await app.deletionQueue.runDue(10, later(10 * 60_000))
  t.equal(outcome.deleted, 1)
  t.same(await listRenderKeys(app), [])
  t.equal(await app.repository.countDeletions(), 0)
})

t.test('a crash between the database write and the storage delete: the next worker run finishes the job', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { message } = await messageWithRender(app, baseUrl)
  // What the DELETE route does, minus its storage step, as if the process died right there.
  await app.repository.deleteMessage(message.id, app.keysOfMessage, new Date().toISOString())
  t.equal((await listRenderKeys(app)).length, 1)
  t.equal(await app.repository.countDeletions(), 1)

  const outcome = await app.deletionQueue.runDue()
  t.equal(outcome.deleted, 1)
  t.same(await listRenderKeys(app), [])
})

t.test('the queue never deletes an object that is still in use', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const { render } = await messageWithRender(app, baseUrl)
  const key = `dev/renders/${render.id}.mp3`
  await app.repository.enqueueDeletions([key], new Date().toISOString())
  const outcome = await app.deletionQueue.runDue()
  t.equal(outcome.stillInUse, 1)
  t.equal(outcome.deleted, 0)
  t.same(await listRenderKeys(app), [key])
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
  t.same(await listRenderKeys(app), [])
  for (const id of [message.id, other.id]) {
    t.equal((await app.inject({ url: `/api/v1/messages/${id}`, headers: bearer() })).statusCode, 404)
  }
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })).statusCode, 404)
})
