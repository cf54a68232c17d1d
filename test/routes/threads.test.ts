import t from 'tap'
import { build, bearer, createMessage, createThread } from '../helper.js'

t.test('threads: create, get, list newest first with a cursor', async (t) => {
  const { app } = await build(t)
  const created = []
  for (let i = 0; i < 5; i++) created.push(await createThread(app, `thread ${i}`))

  const one = await app.inject({ url: `/api/v1/threads/${created[0].id}`, headers: bearer() })
  t.equal(one.statusCode, 200)
  t.match(one.json(), { id: created[0].id, title: 'thread 0', users: ['u1'], messages: [] })

  const first = await app.inject({ url: '/api/v1/threads?limit=3', headers: bearer() })
  t.equal(first.statusCode, 200)
  const page1 = first.json()
  t.equal(page1.threads.length, 3)
  t.type(page1.next_cursor, 'string')
  const second = await app.inject({ url: `/api/v1/threads?limit=3&cursor=${page1.next_cursor}`, headers: bearer() })
  const page2 = second.json()
  t.equal(page2.threads.length, 2)
  t.equal(page2.next_cursor, null)
  const listed = [...page1.threads, ...page2.threads].map((thread: { id: string }) => thread.id)
  t.same(listed, created.map((thread) => thread.id).reverse(), 'newest first, no gaps or repeats')
})

t.test('threads: errors', async (t) => {
  const { app } = await build(t)
  const unknown = await app.inject({ url: '/api/v1/threads/does-not-exist', headers: bearer() })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'NOT_FOUND', message: 'Thread not found' })

  const badBody = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { users: 'not-a-list' } })
  t.equal(badBody.statusCode, 400)
  t.match(badBody.json(), { statusCode: 400, code: 'VALIDATION_ERROR' })

  const badCursor = await app.inject({ url: '/api/v1/threads?cursor=garbage', headers: bearer() })
  t.equal(badCursor.statusCode, 400)

  const badJson = await app.inject({
    method: 'POST', url: '/api/v1/threads', headers: { ...bearer(), 'content-type': 'application/json' }, payload: '{"title":'
  })
  t.equal(badJson.statusCode, 400)
  t.notOk(badJson.body.includes('    at '), 'no stack trace')
})

t.test('a thread lists its message ids', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const m1 = await createMessage(app, thread.id)
  const m2 = await createMessage(app, thread.id)
  const res = await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })
  t.same(res.json().messages, [m1.id, m2.id])
})
