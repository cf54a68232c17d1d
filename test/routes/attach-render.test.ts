import t from 'tap'
import { INTERRUPTED_AFTER_MS, deletingFields } from '../../services/renders/render-record.js'
import { build, bearer, createMessage, createThread, listen, uploadAudio } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { createTestClock } from '../support/test-clock.js'

t.test('attaching is idempotent: 5 retries leave one render', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))

  const attempts = await Promise.all(Array.from({ length: 5 }, () => app.inject({
    method: 'POST', url: `/api/v1/messages/${message.id}/renders`, payload: { token: bearer().authorization.slice(7), render }
  })))
  for (const res of attempts) {
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'render_attached', message_id: message.id })
  }
  const fetched = (await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json()
  t.equal(fetched.renders.length, 1)
  t.same(fetched.renders[0], render, 'the message lists the render as the upload returned it')
})

t.test('attach refuses renders that are not ours', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  const attach = (payload: Record<string, unknown>, id = message.id) => app.inject({ method: 'POST', url: `/api/v1/messages/${id}/renders`, headers: bearer(), payload })

  const foreign = await attach({ render: { ...render, url: `https://evil.example.com/dev/renders/${render.id}.mp3` } })
  t.equal(foreign.statusCode, 422)
  const otherPrefix = await attach({ render: { ...render, url: render.url.replace('/dev/renders/', '/prod/renders/') } })
  t.equal(otherPrefix.statusCode, 422)
  const mismatchedId = await attach({ render: { ...render, id: '00000000-0000-4000-8000-000000000000' } })
  t.equal(mismatchedId.statusCode, 422)
  const neverUploaded = await attach({ render: { ...render, id: '11111111-1111-4111-8111-111111111111', url: render.url.replace(render.id, '11111111-1111-4111-8111-111111111111') } })
  t.equal(neverUploaded.statusCode, 422, 'no object, no render')
  const missingMessage = await attach({ render }, 'no-such-message')
  t.equal(missingMessage.statusCode, 404)
  const invalid = await attach({ render: { id: render.id } })
  t.equal(invalid.statusCode, 400)

  const fetched = (await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json()
  t.same(fetched.renders, [])
})

t.test('a render attaches to one message only', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const first = await createMessage(app, thread.id)
  const second = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  const ok = await app.inject({ method: 'POST', url: `/api/v1/messages/${first.id}/renders`, headers: bearer(), payload: { render } })
  t.equal(ok.statusCode, 200)
  const again = await app.inject({ method: 'POST', url: `/api/v1/messages/${second.id}/renders`, headers: bearer(), payload: { render } })
  t.equal(again.statusCode, 409)
})

t.test('a message can be created with its renders', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  const message = await createMessage(app, thread.id, { renders: [render] })
  t.same(message.renders, [render])
})

t.test('a message with one refused render is not created, and its good render stays free to attach', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const { body: good } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  const foreign = { ...good, id: '22222222-2222-4222-8222-222222222222', url: 'https://evil.example.com/x.mp3' }
  const refused = await app.inject({
    method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, renders: [good, foreign] }
  })
  t.equal(refused.statusCode, 422)
  const listed = (await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json()
  t.same(listed.messages, [], 'no message was written')
  t.equal((await app.inject({ url: `/api/v1/renders/${good.id}`, headers: bearer() })).statusCode, 200, 'the good render is intact')
  const message = await createMessage(app, thread.id, { renders: [good, good] })
  t.same(message.renders, [good], 'attached once, on the retry')
})

t.test('a render whose object is queued for deletion cannot be attached again', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  // As after a sweep expired it while storage was down: its record waits for the deletion worker.
  await app.repository.updateRenderIf(render.id, { state: ['ready'] }, deletingFields(new Date().toISOString()))
  const res = await app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render } })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'RENDER_DELETED')
  const created = await app.inject({
    method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, renders: [render] }
  })
  t.equal(created.statusCode, 409)
  t.same((await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json().renders, [])
})

t.test('a message written with its renders answers 201 even when settling their ACL afterwards fails; the sweep finishes the attach', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))
  const settle = app.renderAcl.settle
  let calls = 0
  app.renderAcl.settle = async (...args) => {
    if (++calls === 2) throw new Error('storage unavailable')
    return settle(...args)
  }
  t.teardown(() => { app.renderAcl.settle = settle })

  const created = await app.inject({
    method: 'POST', url: '/api/v1/messages', headers: bearer(),
    payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, renders: [render] }
  })
  t.equal(created.statusCode, 201, 'the message was written: no error invites a retry that would post it twice')
  t.equal(calls, 2, 'the second settle, after the message was written, failed')
  t.equal((await app.repository.findRender(render.id))!.state, 'attaching', 'left to the repair')
  clock.advance(INTERRUPTED_AFTER_MS)
  t.equal((await app.sweep({ dryRun: false, orphanGraceMs: 3600_000, pendingGraceMs: 3600_000 })).repaired, 1)
  t.equal((await app.repository.findRender(render.id))!.state, 'attached')
  t.same((await app.repository.findMessage(created.json().id))!.renders.map((item) => item.id), [render.id])
})
