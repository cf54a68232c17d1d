import t from 'tap'
import { bearer, build, countRenderRecords, listen, listStoredKeys, uploadAudio, userBearer, userToken } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

type App = Awaited<ReturnType<typeof build>>['app']

async function as (app: App, user: string | null, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) {
  const headers = user === null ? bearer() : await userBearer(user)
  return app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) })
}

t.test('members: the creator is a member and manages them; others do not see the thread', async (t) => {
  const { app } = await build(t)
  const created = await as(app, 'alice', 'POST', '/api/v1/threads', { title: 'duo', users: ['carol'] })
  t.equal(created.statusCode, 201)
  const thread = created.json()
  t.same([...thread.users].sort(), ['alice', 'carol'])
  t.equal(thread.created_by, 'alice')

  t.equal((await as(app, 'bob', 'GET', `/api/v1/threads/${thread.id}`)).statusCode, 404, 'a non-member gets 404, as for a missing thread')
  t.equal((await as(app, 'bob', 'GET', `/api/v1/threads/${thread.id}/messages`)).statusCode, 404)
  t.same((await as(app, 'bob', 'GET', '/api/v1/threads')).json().threads, [])
  t.equal((await as(app, 'bob', 'POST', `/api/v1/threads/${thread.id}/members`, { user_id: 'bob' })).statusCode, 404, 'nor joins it')

  const added = await as(app, 'alice', 'POST', `/api/v1/threads/${thread.id}/members`, { user_id: 'bob' })
  t.equal(added.statusCode, 200)
  t.ok(added.json().users.includes('bob'))
  t.equal((await as(app, 'alice', 'POST', `/api/v1/threads/${thread.id}/members`, { user_id: 'bob' })).json().users.filter((u: string) => u === 'bob').length, 1, 'idempotent')
  t.equal((await as(app, 'bob', 'GET', `/api/v1/threads/${thread.id}`)).statusCode, 200)
  t.same((await as(app, 'bob', 'GET', '/api/v1/threads')).json().threads.map((item: { id: string }) => item.id), [thread.id])
  t.equal((await as(app, 'bob', 'POST', `/api/v1/threads/${thread.id}/members`, { user_id: 'dave' })).statusCode, 403, 'a member is not the creator')
  t.equal((await as(app, 'bob', 'DELETE', `/api/v1/threads/${thread.id}/members/carol`)).statusCode, 403)
  t.equal((await as(app, 'bob', 'DELETE', `/api/v1/threads/${thread.id}`)).statusCode, 403)
  t.equal((await as(app, 'alice', 'DELETE', `/api/v1/threads/${thread.id}/members/alice`)).statusCode, 409, 'the creator stays')

  const removed = await as(app, 'alice', 'DELETE', `/api/v1/threads/${thread.id}/members/bob`)
  t.equal(removed.statusCode, 200)
  t.notOk(removed.json().users.includes('bob'))
  t.equal((await as(app, 'bob', 'GET', `/api/v1/threads/${thread.id}`)).statusCode, 404, 'gone with the membership')
  t.same((await as(app, null, 'GET', '/api/v1/threads')).json().threads.length, 1, 'the service token lists every thread')
})

t.test('messages: members post as themselves; only the author changes a message', async (t) => {
  const { app } = await build(t)
  const thread = (await as(app, 'alice', 'POST', '/api/v1/threads', { users: ['bob'] })).json()
  const post = (user: string, userId: string) => as(app, user, 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: userId, snapshot: { bpm: 90 } })

  t.equal((await post('bob', 'alice')).statusCode, 403, 'user_id must be the token\'s user')
  t.equal((await post('mallory', 'mallory')).statusCode, 404, 'a non-member cannot post')
  const message = (await post('bob', 'bob')).json()
  t.equal(message.user_id, 'bob')
  t.equal((await as(app, 'mallory', 'GET', `/api/v1/messages/${message.id}`)).statusCode, 404)
  t.equal((await as(app, 'alice', 'GET', `/api/v1/messages/${message.id}`)).statusCode, 200, 'members read it')
  t.equal((await as(app, 'alice', 'DELETE', `/api/v1/messages/${message.id}`)).statusCode, 403, 'not the author')
  t.equal((await as(app, 'mallory', 'DELETE', `/api/v1/messages/${message.id}`)).statusCode, 404)
  t.equal((await as(app, 'bob', 'DELETE', `/api/v1/messages/${message.id}`)).statusCode, 200)
  t.equal((await as(app, null, 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'anyone', snapshot: {} })).statusCode, 201,
    'the service token acts as the user it names')
})

t.test('uploads: only the uploader completes or sees an upload, into their own message', async (t) => {
  const { app } = await build(t)
  const thread = (await as(app, 'alice', 'POST', '/api/v1/threads', { users: ['bob'] })).json()
  const bobs = (await as(app, 'bob', 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'bob', snapshot: {} })).json()
  t.equal((await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 100, message_id: bobs.id })).statusCode, 403, 'not into another author\'s message')

  const upload = await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 100 })
  t.equal(upload.statusCode, 201)
  const id = upload.json().render_id
  t.equal((await app.repository.findRender(id))!.uploaded_by, 'alice')
  t.equal((await as(app, 'bob', 'POST', `/api/v1/uploads/${id}/complete`, {})).statusCode, 404, 'another user: as if it did not exist')
  t.equal((await as(app, 'bob', 'GET', `/api/v1/renders/${id}`)).statusCode, 404)
  t.equal((await as(app, 'alice', 'GET', `/api/v1/renders/${id}`)).statusCode, 409, 'the uploader sees it is not complete')
  t.equal((await as(app, 'alice', 'POST', `/api/v1/uploads/${id}/complete`, { message_id: bobs.id })).statusCode, 403)
  t.equal((await as(app, 'alice', 'POST', `/api/v1/uploads/${id}/complete`, {})).statusCode, 409, 'the uploader gets on to the file check')
})

t.test('quota: the upload URL that would pass USER_QUOTA_BYTES is refused with 413, no URL, nothing written', async (t) => {
  const { app } = await build(t, { USER_QUOTA_BYTES: 1000 })
  t.equal((await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 600 })).statusCode, 201)
  const records = await countRenderRecords(app)
  const refused = await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 401 })
  t.equal(refused.statusCode, 413)
  t.same(refused.json(), { statusCode: 413, code: 'QUOTA_EXCEEDED', error: 'Payload Too Large', message: 'This upload would exceed your storage quota: 400 bytes left' })
  t.notOk('upload' in refused.json(), 'no URL')
  t.equal(await countRenderRecords(app), records, 'no record')
  t.same(await listStoredKeys(app), [], 'no object')
  t.equal((await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 400 })).statusCode, 201, 'exactly what is left fits')
  t.equal((await as(app, 'bob', 'POST', '/api/v1/uploads', { size_bytes: 1000 })).statusCode, 201, 'per user')
  t.equal((await as(app, null, 'POST', '/api/v1/uploads', { size_bytes: 5000 })).statusCode, 201, 'the service token has no quota')
})

t.test('quota on the proxied upload: a file over the quota is refused with 413 and its object deleted', async (t) => {
  const { app } = await build(t, { USER_QUOTA_BYTES: 2000 })
  const baseUrl = await listen(app)
  const mp3 = makeMp3Tone({ seconds: 0.5 })
  t.ok(mp3.length > 2000)
  const refused = await uploadAudio(baseUrl, mp3, { token: await userToken('alice') })
  t.equal(refused.status, 413)
  t.match(refused.body, { code: 'QUOTA_EXCEEDED', message: 'This upload would exceed your storage quota: 2000 bytes left' })
  t.same(await listStoredKeys(app), [], 'the stored object is gone')
  t.equal(await countRenderRecords(app), 0, 'and its record')
  const served = await uploadAudio(baseUrl, mp3)
  t.equal(served.status, 200, 'the service token has no quota')
})

t.test('rate limit: the N+1th upload request in the window is 429 with retry-after; per user', async (t) => {
  const { app } = await build(t, { UPLOAD_RATE_LIMIT_MAX: 3, UPLOAD_RATE_LIMIT_WINDOW_SECONDS: 600 })
  const first = await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 100 })
  t.equal((await as(app, 'alice', 'POST', `/api/v1/uploads/${first.json().render_id}/complete`, {})).statusCode, 409, 'complete counts too')
  t.equal((await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 100 })).statusCode, 201)
  const limited = await as(app, 'alice', 'POST', '/api/v1/uploads', { size_bytes: 100 })
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { statusCode: 429, code: 'TOO_MANY_REQUESTS', error: 'Too Many Requests', message: /retry in/ })
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 600, 'retry-after in seconds')
  t.equal((await as(app, 'bob', 'POST', '/api/v1/uploads', { size_bytes: 100 })).statusCode, 201, 'another user has their own budget')
  for (let i = 0; i < 4; i++) t.equal((await as(app, null, 'POST', '/api/v1/uploads', { size_bytes: 100 })).statusCode, 201, 'the service token is not limited')
  const baseUrl = await listen(app)
  const mp3 = makeMp3Tone({ seconds: 0.5 })
  const formToken = await uploadAudio(baseUrl, mp3, { token: await userToken('alice') })
  t.equal(formToken.status, 429, 'a user token in the form field counts too')
  t.same(await listStoredKeys(app), [], 'refused before anything is stored')
  t.equal((await uploadAudio(baseUrl, mp3)).status, 200, 'the seed client\'s form-field service token is not limited')
})

t.test('API_TOKEN_ACTS_AS_ANY_USER=false: the service token is refused; user tokens work', async (t) => {
  const { app } = await build(t, { API_TOKEN_ACTS_AS_ANY_USER: false })
  const refused = await as(app, null, 'GET', '/api/v1/threads')
  t.equal(refused.statusCode, 403)
  t.match(refused.json(), { code: 'FORBIDDEN', message: /API_TOKEN_ACTS_AS_ANY_USER/ })
  t.equal((await as(app, 'alice', 'GET', '/api/v1/threads')).statusCode, 200)
})

t.test('a member removed after asking for an upload URL for their message cannot complete it into the thread', async (t) => {
  const { app } = await build(t)
  const thread = (await as(app, 'alice', 'POST', '/api/v1/threads', { title: 'duo', users: ['bob'], visibility: 'private' })).json()
  const message = (await as(app, 'bob', 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'bob', snapshot: {}, renders: [] })).json()
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await as(app, 'bob', 'POST', '/api/v1/uploads', { format: 'mp3', size_bytes: mp3.length, message_id: message.id })).json()
  t.equal((await fetch(ticket.upload.url, { method: 'PUT', headers: ticket.upload.headers, body: new Uint8Array(mp3) })).status, 200)
  t.equal((await as(app, 'alice', 'DELETE', `/api/v1/threads/${thread.id}/members/bob`)).statusCode, 200)

  const completed = await as(app, 'bob', 'POST', `/api/v1/uploads/${ticket.render_id}/complete`, {})
  t.equal(completed.statusCode, 404, 'the message named when the URL was issued is no longer his to see')
  t.same((await as(app, 'alice', 'GET', `/api/v1/messages/${message.id}`)).json().renders, [], 'nothing was attached')
  t.equal((await app.repository.findRender(ticket.render_id))!.state, 'pending')
})

t.test('a user cannot attach another user\'s upload, to a new message or an existing one', async (t) => {
  const { app } = await build(t)
  const thread = (await as(app, 'alice', 'POST', '/api/v1/threads', { users: ['bob'] })).json()
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await as(app, 'alice', 'POST', '/api/v1/uploads', { format: 'mp3', size_bytes: mp3.length })).json()
  t.equal((await fetch(ticket.upload.url, { method: 'PUT', headers: ticket.upload.headers, body: new Uint8Array(mp3) })).status, 200)
  const render = (await as(app, 'alice', 'POST', `/api/v1/uploads/${ticket.render_id}/complete`, {})).json()
  const bobs = (await as(app, 'bob', 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'bob', snapshot: {} })).json()

  const posted = await as(app, 'bob', 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'bob', snapshot: {}, renders: [{ id: render.id, url: render.url, format: 'mp3' }] })
  t.equal(posted.statusCode, 404, 'posting it: as if it did not exist')
  const attached = await as(app, 'bob', 'POST', `/api/v1/messages/${bobs.id}/renders`, { render: { id: render.id, url: render.url, format: 'mp3' } })
  t.equal(attached.statusCode, 404, 'attaching it: as if it did not exist')
  t.match(await app.repository.findRender(render.id), { state: 'ready', message_id: null }, 'still alice\'s to attach')
  t.same((await as(app, 'bob', 'GET', `/api/v1/messages/${bobs.id}`)).json().renders, [])
  const own = await as(app, 'alice', 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'alice', snapshot: {}, renders: [{ id: render.id, url: render.url, format: 'mp3' }] })
  t.equal(own.statusCode, 201, 'alice can')
})
