import t from 'tap'
import { renderKey } from '../../services/renders/render-keys.js'
import { bearer, build, completeUpload, createMessage, listen, putToStorage, requestUpload, uploadAudio, userBearer } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { attach, bareStatus, createThread, isSigned, play, proxiedRender, renderUrls, setVisibility } from '../support/private-threads.js'

t.test('a private thread\'s renders play from signed URLs only; storage refuses their bare URLs', async (t) => {
  const { app } = await build(t, { PRIVATE_RENDER_URL_TTL_SECONDS: 120 })
  const baseUrl = await listen(app)
  const thread = await createThread(app, 'private')
  t.equal(thread.visibility, 'private')
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })).json().visibility, 'private')
  const message = await createMessage(app, thread.id)

  // Proxied upload (stored with the default public-read ACL), then attached: private before the message lists it.
  const proxied = makeMp3Tone({ seconds: 1 })
  const uploaded = await uploadAudio(baseUrl, proxied)
  t.equal(await bareStatus(app, uploaded.body.id), 200, 'not in any thread yet: the original public URL')
  await attach(app, message.id, uploaded.body)
  t.equal(await bareStatus(app, uploaded.body.id), 403, 'attached to a private thread: the bare URL is refused')

  // Direct upload for the message: the completed copy is private from the start.
  const direct = makeMp3Tone({ seconds: 2 })
  const ticket = (await requestUpload(app, { size_bytes: direct.length, message_id: message.id })).json()
  t.equal((await putToStorage(ticket.upload, direct)).status, 200)
  const completed = await completeUpload(app, ticket.render_id)
  t.equal(completed.statusCode, 200)
  t.ok(isSigned(completed.json().url), 'complete answers a signed URL')
  t.equal(await bareStatus(app, ticket.render_id), 403)

  // Direct upload completed before it is attached (public), attached afterwards.
  const late = makeMp3Tone({ seconds: 1, frequency: 660 })
  const lateTicket = (await requestUpload(app, { size_bytes: late.length })).json()
  await putToStorage(lateTicket.upload, late)
  const lateRender = (await completeUpload(app, lateTicket.render_id)).json()
  t.notOk(isSigned(lateRender.url), 'unattached: the public URL')
  await attach(app, message.id, lateRender)
  t.equal(await bareStatus(app, lateTicket.render_id), 403)

  const urls = await renderUrls(app, message.id)
  const expected = new Map([[uploaded.body.id as string, proxied], [ticket.render_id as string, direct], [lateTicket.render_id as string, late]])
  t.equal(urls.size, 3)
  for (const [id, bytes] of expected) {
    const url = urls.get(id)!
    t.ok(isSigned(url), 'the message serves a signed URL')
    t.equal(new URL(url).searchParams.get('X-Amz-Expires'), '120', 'valid for PRIVATE_RENDER_URL_TTL_SECONDS')
    const played = await play(url)
    t.equal(played.status, 200)
    t.ok(played.bytes.equals(bytes), 'the signed URL plays the exact bytes')
  }
  const listed = (await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json()
  t.ok(listed.messages[0].renders.every((render: { url: string }) => isSigned(render.url)), 'the thread\'s message list signs too')
  const single = (await app.inject({ url: `/api/v1/renders/${uploaded.body.id}`, headers: bearer() })).json()
  t.ok(isSigned(single.url), 'and so does GET /renders/{id}')
})

t.test('a public thread keeps the original public URLs', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  t.equal(thread.visibility, 'public', 'public by default')
  const message = await createMessage(app, thread.id)
  const { id, file } = await proxiedRender(app, baseUrl, message.id)
  const url = (await renderUrls(app, message.id)).get(id)!
  t.equal(url, app.storage.publicUrl(renderKey(app.config.ENV, id, 'mp3')))
  const played = await play(url)
  t.equal(played.status, 200)
  t.ok(played.bytes.equals(file))
})

t.test('changing visibility applies to the renders a thread already has', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const first = await proxiedRender(app, baseUrl, message.id)
  const second = await proxiedRender(app, baseUrl, message.id, 2)
  const ids = [first.id, second.id]
  const statuses = () => Promise.all(ids.map((id) => bareStatus(app, id)))
  t.same(await statuses(), [200, 200])

  const toPrivate = await setVisibility(app, thread.id, 'private')
  t.equal(toPrivate.statusCode, 200)
  t.equal(toPrivate.json().visibility, 'private')
  t.same(await statuses(), [403, 403], 'private: storage refuses the bare URLs')
  const signed = await renderUrls(app, message.id)
  t.ok([...signed.values()].every(isSigned))
  t.ok((await play(signed.get(second.id)!)).bytes.equals(second.file))

  const toPublic = await setVisibility(app, thread.id, 'public')
  t.equal(toPublic.json().visibility, 'public')
  t.same(await statuses(), [200, 200], 'public again: the bare URLs play')
  const bare = await renderUrls(app, message.id)
  t.same([...bare.values()], ids.map((id) => app.storage.publicUrl(renderKey(app.config.ENV, id, 'mp3'))))

  const invalid = await setVisibility(app, thread.id, 'secret')
  t.equal(invalid.statusCode, 400)
  t.same(Object.keys(invalid.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  t.equal((await setVisibility(app, '00000000-0000-4000-8000-000000000000', 'private')).statusCode, 404)
  const noToken = await app.inject({ method: 'PATCH', url: `/api/v1/threads/${thread.id}`, payload: { visibility: 'private' } })
  t.equal(noToken.statusCode, 401)
  t.same(await statuses(), [200, 200], 'refused changes change nothing')
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })).json().visibility, 'public')
})


t.test('a private thread: a member\'s signed URL plays; a non-member gets 404 for the thread, its messages and its renders', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const alice = await userBearer('alice')
  const mallory = await userBearer('mallory')
  const created = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: alice, payload: { title: 'secret', visibility: 'private' } })
  const thread = created.json()
  const posted = await app.inject({ method: 'POST', url: '/api/v1/messages', headers: alice, payload: { parent_thread: thread.id, user_id: 'alice', snapshot: {}, renders: [] } })
  const message = posted.json()
  const { id, file } = await proxiedRender(app, baseUrl, message.id)

  const asMember = await app.inject({ url: `/api/v1/messages/${message.id}`, headers: alice })
  t.equal(asMember.statusCode, 200)
  const url = asMember.json().renders[0].url
  t.ok(isSigned(url))
  t.ok((await play(url)).bytes.equals(file), 'the member\'s signed URL plays')
  t.equal(await bareStatus(app, id), 403)

  for (const path of [`/api/v1/threads/${thread.id}`, `/api/v1/threads/${thread.id}/messages`, `/api/v1/messages/${message.id}`, `/api/v1/renders/${id}`]) {
    const res = await app.inject({ url: path, headers: mallory })
    t.equal(res.statusCode, 404, `a non-member gets 404 for ${path.replace(/[0-9a-f-]{36}/g, '{id}')}`)
    t.notMatch(res.body, /X-Amz-Signature/)
  }
  const changed = await app.inject({ method: 'PATCH', url: `/api/v1/threads/${thread.id}`, headers: mallory, payload: { visibility: 'public' } })
  t.equal(changed.statusCode, 404, 'nor may a non-member change its visibility')
  t.equal(await bareStatus(app, id), 403)
})
