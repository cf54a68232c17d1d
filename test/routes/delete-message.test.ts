import t from 'tap'
import { build, bearer, completeUpload, createMessage, createThread, listen, listStoredKeys, putToStorage, requestUpload, uploadAudio, writeLegacyMessage } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

t.test('deleting a message deletes every render object and the thread reference', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const keep = await createMessage(app, thread.id)
  const renders = []
  for (let i = 0; i < 3; i++) renders.push((await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))).body)
  for (const render of renders.slice(0, 2)) {
    await app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render } })
  }
  await app.inject({ method: 'POST', url: `/api/v1/messages/${keep.id}/renders`, headers: bearer(), payload: { render: renders[2] } })
  t.equal((await listStoredKeys(app)).length, 3)

  const res = await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}?token=${bearer().authorization.slice(7)}` })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'deleted', id: message.id, renders_deleted: 2 })

  t.same(await listStoredKeys(app), [`dev/renders/${renders[2].id}.mp3`], 'only the other message\'s object is left')
  t.equal((await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).statusCode, 404)
  const threadAfter = (await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })).json()
  t.same(threadAfter.messages, [keep.id])
  t.equal(await app.repository.countDeletions(), 0, 'the deletion queue is drained')
})

t.test('a legacy seed-shaped message (renders with a url and no key) is deleted cleanly', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const key = 'dev/renders/a1b2c3d4-1234-5678-abcd-ef0123456789.mp3'
  await app.storage.putObject(key, Buffer.from('legacy bytes'), { contentType: 'audio/mpeg' })
  const legacy = {
    id: '67890abcdef12345',
    parent_thread: thread.id,
    user_id: 'seed-user',
    snapshot: { bpm: 90 },
    snapshot_metadata: null,
    timestamp: '2025-10-05T18:29:00Z',
    created_at: '2025-10-05T18:29:00Z',
    renders: [{
      id: 'a1b2c3d4-1234-5678-abcd-ef0123456789',
      url: app.storage.publicUrl(key),
      format: 'mp3',
      bitrate: 320,
      duration: 45.5,
      size_bytes: 1834560,
      created_at: '2025-10-05T18:30:00Z'
    }]
  }
  await writeLegacyMessage(app, legacy)
  t.same(await listStoredKeys(app), [key])

  const res = await app.inject({ method: 'DELETE', url: `/api/v1/messages/${legacy.id}`, headers: bearer() })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'deleted', id: legacy.id, renders_deleted: 1 })
  t.same(await listStoredKeys(app), [])
})

t.test('a legacy render outside our prefix is never deleted', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const foreignKey = 'other-app/renders/x.mp3'
  await app.storage.putObject(foreignKey, Buffer.from('not ours'), { contentType: 'audio/mpeg' })
  await writeLegacyMessage(app, {
    id: 'legacy-foreign', parent_thread: thread.id, user_id: 'u', snapshot: {}, snapshot_metadata: null,
    timestamp: '2025-10-05T18:29:00Z', created_at: '2025-10-05T18:29:00Z',
    renders: [{ id: 'x', url: app.storage.publicUrl(foreignKey), format: 'mp3', created_at: '2025-10-05T18:30:00Z' }]
  })
  const res = await app.inject({ method: 'DELETE', url: '/api/v1/messages/legacy-foreign', headers: bearer() })
  t.equal(res.statusCode, 200)
  t.ok(await app.storage.headObject(foreignKey), 'the foreign object is still there')
})

t.test('deleting a message also deletes an upload made for it that was never completed', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length, message_id: message.id })).json()
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)

  const res = await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })
  t.same(res.json(), { status: 'deleted', id: message.id, renders_deleted: 0 })
  t.same(await listStoredKeys(app), [], 'the uploaded object is gone')
  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 404, 'the upload is void')
})
