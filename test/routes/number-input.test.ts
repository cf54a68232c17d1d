import t from 'tap'
import { bearer, build, countRenderRecords, createMessage, createThread, listStoredKeys, requestUpload } from '../helper.js'

// Strings that Ajv's type coercion turns into ±Infinity (ajv-validator/ajv#2212); its range checks then let them through.
const NON_FINITE = ['Infinity', '-Infinity', '1e999']

t.test('numbers sent as strings that are not finite get a 400 and leave nothing behind', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const messagesBefore = (await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json().messages.length

  for (const value of NON_FINITE) {
    const requests = [
      { what: 'a page limit', send: () => app.inject({ url: `/api/v1/threads?limit=${value}`, headers: bearer() }) },
      { what: 'a message page limit', send: () => app.inject({ url: `/api/v1/threads/${thread.id}/messages?limit=${value}`, headers: bearer() }) },
      { what: 'an upload size', send: () => requestUpload(app, { size_bytes: value }) },
      { what: 'an upload bitrate', send: () => requestUpload(app, { size_bytes: 20_000, bitrate: value }) },
      { what: 'an upload duration', send: () => requestUpload(app, { size_bytes: 20_000, duration: value }) },
      {
        what: 'a message render size',
        send: () => app.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: bearer(),
          payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, renders: [{ id: 'r1', url: 'https://cdn.example.com/a.mp3', format: 'mp3', size_bytes: value }] }
        })
      },
      { what: 'an attach duration', send: () => app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render: { id: 'r1', url: 'https://cdn.example.com/a.mp3', format: 'mp3', duration: value } } }) }
    ]
    for (const { what, send } of requests) {
      const res = await send()
      t.equal(res.statusCode, 400, `${what} of "${value}"`)
      t.match(res.json(), { statusCode: 400, code: 'VALIDATION_ERROR', message: /must be a finite number/ }, `${what}: says why`)
    }
  }
  t.equal(await countRenderRecords(app), 0, 'no upload recorded')
  t.same(await listStoredKeys(app), [])
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json().messages.length, messagesBefore, 'no message written')
})

t.test('finite numbers sent as strings are still read as numbers', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  for (let i = 0; i < 3; i++) await createMessage(app, thread.id)
  const page = await app.inject({ url: `/api/v1/threads/${thread.id}/messages?limit=2`, headers: bearer() })
  t.equal(page.json().messages.length, 2)
  const ticket = await requestUpload(app, { size_bytes: '20000', duration: '2.5' })
  t.equal(ticket.statusCode, 201)
  t.equal(ticket.json().upload.headers['content-length'], '20000')
})

t.test('a snapshot holding a number JSON cannot store (1e999 parses to Infinity) gets a 400 instead of being stored as null (or as Infinity on MongoDB)', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const send = (snapshot: string) => app.inject({
    method: 'POST',
    url: '/api/v1/messages',
    headers: { ...bearer(), 'content-type': 'application/json' },
    payload: `{"parent_thread":"${thread.id}","user_id":"u1","snapshot":${snapshot},"renders":[]}`
  })
  for (const snapshot of ['{"tempo":1e999}', '{"tracks":[{"gain":-1e999}]}', '{"a":{"b":[[1,2,[1e400]]]}}']) {
    const res = await send(snapshot)
    t.equal(res.statusCode, 400, snapshot)
    t.match(res.json(), { code: 'VALIDATION_ERROR', message: /snapshot must hold only finite numbers/ }, `${snapshot}: says why`)
  }
  const wide = await send(`{"samples":[${new Array(200_000).fill('0').join(',')}]}`)
  t.equal(wide.statusCode, 201, 'a wide array of finite numbers is fine')
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).json().messages.length, 1, 'only the valid message was written')
})
