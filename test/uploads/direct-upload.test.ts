import t from 'tap'
import { build, bearer, completeUpload, createMessage, createThread, listStoredKeys, putToStorage, requestUpload } from '../helper.js'
import { createHash } from 'node:crypto'
import { makeMp3Tone, randomBytes } from '../support/audio.js'
import { createTestClock } from '../support/test-clock.js'
import { cutOffPut } from '../support/cut-off-put.js'
import { INTERRUPTED_AFTER_MS, newRenderRecord } from '../../services/renders/render-record.js'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

t.test('the full flow: upload URL, PUT straight to storage, complete with the message id', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const mp3 = makeMp3Tone({ seconds: 2, kbps: 128 })

  const ticketRes = await requestUpload(app, { size_bytes: mp3.length, content_type: 'audio/mpeg' })
  t.equal(ticketRes.statusCode, 201)
  const ticket = ticketRes.json()
  t.equal(ticket.key, `dev/renders/${ticket.render_id}.mp3`)
  t.equal(ticket.upload.method, 'PUT')
  t.ok(Date.parse(ticket.upload.expires_at) > Date.now())
  t.same(ticket.upload.headers, { 'content-type': 'audio/mpeg', 'content-length': String(mp3.length) })

  const put = await putToStorage(ticket.upload, mp3)
  t.equal(put.status, 200)

  const completed = await completeUpload(app, ticket.render_id, { message_id: message.id })
  t.equal(completed.statusCode, 200)
  const render = completed.json()
  t.match(render, { id: ticket.render_id, format: 'mp3', size_bytes: mp3.length, bitrate: 128 })
  t.ok(Math.abs(render.duration - 2) <= 0.1)

  const listed = (await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json()
  t.same(listed.renders, [render], 'the message lists the render')
  const served = Buffer.from(await (await fetch(render.url)).arrayBuffer())
  t.ok(served.equals(mp3), 'its URL serves the same bytes')

  const fetched = await app.inject({ url: `/api/v1/renders/${render.id}`, headers: bearer() })
  t.same(fetched.json(), render)
})

t.test('the presigned URL signs type and size and has no checksum parameters', async (t) => {
  const { app } = await build(t)
  const ticket = (await requestUpload(app, { size_bytes: 1234 })).json()
  const url = new URL(ticket.upload.url)
  const params = [...url.searchParams.keys()].map((name) => name.toLowerCase())
  t.notOk(params.some((name) => name.startsWith('x-amz-checksum') || name === 'x-amz-sdk-checksum-algorithm'), params.join(','))
  const signed = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';')
  for (const header of ['content-type', 'content-length']) t.ok(signed.includes(header), `${header} is signed`)
  t.notOk(signed.includes('x-amz-acl'), 'the staging object stays private: the render gets its ACL when it is copied')
  t.match(ticket.upload.url, `/dev/uploads/${ticket.render_id}.mp3?`, 'it writes the staging key, never the render key')
  t.equal(ticket.upload.headers['content-length'], '1234')
})

t.test('storage refuses a tampered URL, another content type and another size', async (t) => {
  const { app } = await build(t)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()

  const tampered = { ...ticket.upload, url: ticket.upload.url.replace(ticket.render_id, '00000000-0000-4000-8000-000000000000') }
  t.equal((await putToStorage(tampered, mp3)).status, 403, 'tampered URL')
  t.equal((await putToStorage(ticket.upload, mp3, { 'content-type': 'text/html' })).status, 403, 'another content type')
  const other = makeMp3Tone({ seconds: 2 })
  t.equal((await putToStorage(ticket.upload, other, { 'content-length': String(other.length) })).status, 403, 'another size')
  t.same(await listStoredKeys(app), [], 'nothing was stored')
})

t.test('storage refuses an expired URL', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, { UPLOAD_URL_TTL_SECONDS: 60 }, { clock: clock.now })
  clock.advance(-120_000) // the URL is signed two minutes ago: it expired a minute ago
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.ok(Date.parse(ticket.upload.expires_at) < Date.now())
  t.equal((await putToStorage(ticket.upload, mp3)).status, 403)
  t.same(await listStoredKeys(app), [])
})

t.test('complete before the PUT is 409 and the upload stays pending', async (t) => {
  const { app } = await build(t)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  const early = await completeUpload(app, ticket.render_id)
  t.equal(early.statusCode, 409)
  t.match(early.json(), { code: 'CONFLICT', message: /not been uploaded/ })
  await putToStorage(ticket.upload, mp3)
  // Its only field is optional, so is the body: a client may send none at all.
  const bodiless = await app.inject({ method: 'POST', url: `/api/v1/uploads/${ticket.render_id}/complete`, headers: bearer() })
  t.equal(bodiless.statusCode, 200, 'completes once the object is there, with no body')
  t.match(bodiless.json(), { id: ticket.render_id, size_bytes: mp3.length })
})

t.test('a PUT cut off mid-body stores nothing: complete is 409, and the whole PUT then completes', async (t) => {
  const { app } = await build(t)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  for (const sentBytes of [0, 1000]) {
    await cutOffPut(ticket.upload.url, ticket.upload.headers, mp3, sentBytes)
    const early = await completeUpload(app, ticket.render_id)
    t.equal(early.statusCode, 409, `${sentBytes} bytes sent: not uploaded yet`)
    t.match(early.json(), { code: 'CONFLICT', message: /not been uploaded/ })
  }
  t.same(await listStoredKeys(app), [], 'no partial object')
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200, 'the same URL takes the whole file')
  t.match((await completeUpload(app, ticket.render_id)).json(), { id: ticket.render_id, size_bytes: mp3.length })
})

t.test('an object of another size than declared, however it was written, is 422 and leaves nothing', async (t) => {
  const { app } = await build(t)
  const declared = makeMp3Tone({ seconds: 2 })
  const ticket = (await requestUpload(app, { size_bytes: declared.length })).json()
  // The signed content-length stops the URL from writing it; this is any other writer of the staging key.
  const { upload_key: stagingKey } = (await app.repository.findRender(ticket.render_id))!
  const shorter = makeMp3Tone({ seconds: 1 })
  await app.storage.putObject(stagingKey!, shorter, { contentType: 'audio/mpeg' })
  const res = await completeUpload(app, ticket.render_id)
  t.equal(res.statusCode, 422)
  t.match(res.json(), { code: 'UNPROCESSABLE_ENTITY', message: `The uploaded file has ${shorter.length} bytes, not the declared ${declared.length}` })
  t.same(await listStoredKeys(app), [], 'no object')
  t.equal((await app.inject({ url: `/api/v1/renders/${ticket.render_id}`, headers: bearer() })).statusCode, 404)
})

t.test('completing an upload into another message than the one named for its URL is 409, and attaches nothing', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const named = await createMessage(app, thread.id)
  const other = await createMessage(app, thread.id)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length, message_id: named.id })).json()
  await putToStorage(ticket.upload, mp3)
  const res = await completeUpload(app, ticket.render_id, { message_id: other.id })
  t.equal(res.statusCode, 409)
  t.match(res.json(), { code: 'CONFLICT', message: /belongs to another message/ })
  const renders = async (id: string) => (await app.inject({ url: `/api/v1/messages/${id}`, headers: bearer() })).json().renders
  t.same(await renders(other.id), [], 'the other message is untouched')
  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 200, 'completing it as issued still works')
  t.equal((await renders(named.id)).length, 1)
})

t.test('complete of a non-MP3 of the declared size is 422 and leaves no object', async (t) => {
  const { app } = await build(t)
  const junk = randomBytes(30_000)
  const ticket = (await requestUpload(app, { size_bytes: junk.length })).json()
  t.equal((await putToStorage(ticket.upload, junk)).status, 200)
  const res = await completeUpload(app, ticket.render_id)
  t.equal(res.statusCode, 422)
  t.match(res.json(), { code: 'UNPROCESSABLE_ENTITY', message: /not an MP3/ })
  t.same(await listStoredKeys(app), [])
  t.equal((await app.inject({ url: `/api/v1/renders/${ticket.render_id}`, headers: bearer() })).statusCode, 404)
})

t.test('20 concurrent completes attach one render', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length, message_id: message.id })).json()
  await putToStorage(ticket.upload, mp3)
  const results = await Promise.all(Array.from({ length: 20 }, () => completeUpload(app, ticket.render_id)))
  t.same(results.map((res) => res.statusCode), Array(20).fill(200))
  t.equal(new Set(results.map((res) => res.body)).size, 1, 'every complete returns the same render')
  const listed = (await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json()
  t.equal(listed.renders.length, 1)
})

t.test('after complete, replaying the presigned PUT with other bytes cannot change the render', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  const render = (await completeUpload(app, ticket.render_id)).json()
  t.equal(sha256(Buffer.from(await (await fetch(render.url)).arrayBuffer())), sha256(mp3))

  const other = randomBytes(mp3.length)
  t.equal((await putToStorage(ticket.upload, other)).status, 200, 'the URL still works until it expires: it writes the staging key')
  t.equal(sha256(Buffer.from(await (await fetch(render.url)).arrayBuffer())), sha256(mp3), 'the render\'s bytes are unchanged')
  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 200, 'a repeated complete keeps the verified render')
  t.equal(sha256(Buffer.from(await (await fetch(render.url)).arrayBuffer())), sha256(mp3))

  clock.advance(1000)
  await app.sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 })
  t.notOk((await listStoredKeys(app)).includes(`dev/uploads/${ticket.render_id}.mp3`), 'the replayed staging object is swept')
})

t.test('an upload whose verification was interrupted is taken over by a later complete', async (t) => {
  const clock = createTestClock()
  const { app } = await build(t, {}, { clock: clock.now })
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  // What a process that stopped during complete leaves behind: the claim, and nothing else.
  t.ok(await app.repository.updateRenderIf(ticket.render_id, { state: ['pending'] }, { state: 'verifying', updated_at: clock.now().toISOString() }))

  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 409, 'a recent claim may still be running')
  clock.advance(INTERRUPTED_AFTER_MS)
  const completed = await completeUpload(app, ticket.render_id)
  t.equal(completed.statusCode, 200, 'an old claim is taken over')
  t.match(completed.json(), { id: ticket.render_id, size_bytes: mp3.length })
  t.equal(sha256(Buffer.from(await (await fetch(completed.json().url)).arrayBuffer())), sha256(mp3))
  t.equal((await app.repository.findRender(ticket.render_id))?.state, 'ready')
})

t.test('upload URL errors', async (t) => {
  const { app } = await build(t, { MAX_UPLOAD_BYTES: 1000 })
  const tooBig = await requestUpload(app, { size_bytes: 1001 })
  t.equal(tooBig.statusCode, 413)
  t.notOk('upload' in tooBig.json(), 'no URL issued')
  t.equal((await requestUpload(app, { size_bytes: 10, format: 'aiff' })).statusCode, 400)
  t.equal((await requestUpload(app, { size_bytes: 10, format: 'wav', content_type: 'audio/mpeg' })).statusCode, 400, 'a content type of another format')
  t.equal((await requestUpload(app, { size_bytes: 0 })).statusCode, 400)
  t.equal((await requestUpload(app, { size_bytes: 10, content_type: 'text/html' })).statusCode, 400)
  t.equal((await requestUpload(app, { size_bytes: 10, message_id: 'missing' })).statusCode, 404)
  t.equal((await completeUpload(app, 'missing')).statusCode, 404)
  t.equal((await app.inject({ url: '/api/v1/renders/missing', headers: bearer() })).statusCode, 404)
})

t.test('private renders: a signed GET works and the object is not readable without it', async (t) => {
  const { app } = await build(t, { RENDER_ACL: 'private' })
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.notOk('x-amz-acl' in ticket.upload.headers, 'no public ACL on private renders')
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 200)

  const render = (await app.inject({ url: `/api/v1/renders/${ticket.render_id}`, headers: bearer() })).json()
  t.match(render.url, /X-Amz-Signature=/)
  const signed = await fetch(render.url)
  t.equal(signed.status, 200)
  t.ok(Buffer.from(await signed.arrayBuffer()).equals(mp3))
  const unsigned = await fetch(app.storage.publicUrl(ticket.key))
  t.equal(unsigned.status, 403)
})

t.test('complete of a render that no upload URL was issued for (a proxied upload being stored) is 404 and changes nothing', async (t) => {
  const { app } = await build(t)
  const id = '55555555-5555-4555-8555-555555555555'
  const at = new Date().toISOString()
  await app.repository.insertRender(newRenderRecord({ id, key: `dev/renders/${id}.mp3`, state: 'pending', expires_at: at, created_at: at }))
  const res = await completeUpload(app, id)
  t.equal(res.statusCode, 404)
  t.match(res.json(), { code: 'NOT_FOUND' })
  t.equal((await app.repository.findRender(id))!.state, 'pending')
})
