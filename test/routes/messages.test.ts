import t from 'tap'
import { build, bearer, createMessage, createThread } from '../helper.js'

t.test('messages: create returns the seed\'s Message JSON', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/messages',
    headers: bearer(),
    payload: {
      parent_thread: thread.id,
      user_id: 'user-42',
      snapshot: { bpm: 128, tracks: [{ name: 'kick' }] },
      snapshot_metadata: { name: 'loop' },
      renders: [],
      timestamp: '2025-10-05T18:30:00Z'
    }
  })
  t.equal(res.statusCode, 201)
  const message = res.json()
  t.match(message, {
    parent_thread: thread.id,
    user_id: 'user-42',
    snapshot: { bpm: 128, tracks: [{ name: 'kick' }] },
    snapshot_metadata: { name: 'loop' },
    renders: [],
    timestamp: '2025-10-05T18:30:00.000Z'
  })
  t.type(message.id, 'string')
  t.ok(Date.parse(message.created_at) > 0)

  const fetched = await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })
  t.equal(fetched.statusCode, 200)
  t.same(fetched.json(), message)
})

t.test('messages: a thread\'s messages newest first, cursor-paginated', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const other = await createThread(app)
  const ids: string[] = []
  for (let i = 0; i < 7; i++) ids.push((await createMessage(app, thread.id)).id)
  await createMessage(app, other.id)

  const seen: string[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? 'limit=3' : `limit=3&cursor=${cursor}`
    const res = await app.inject({ url: `/api/v1/threads/${thread.id}/messages?${query}`, headers: bearer() })
    t.equal(res.statusCode, 200)
    const body = res.json()
    seen.push(...body.messages.map((message: { id: string }) => message.id))
    cursor = body.next_cursor
  } while (cursor !== null)
  t.same(seen, [...ids].reverse())
})

t.test('messages: errors', async (t) => {
  const { app } = await build(t)
  const noThread = await app.inject({
    method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: 'missing', user_id: 'u', snapshot: {} }
  })
  t.equal(noThread.statusCode, 404)

  const invalid = await app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: 'x' } })
  t.equal(invalid.statusCode, 400)

  const unknown = await app.inject({ url: '/api/v1/messages/missing', headers: bearer() })
  t.equal(unknown.statusCode, 404)
  const unknownDelete = await app.inject({ method: 'DELETE', url: '/api/v1/messages/missing', headers: bearer() })
  t.equal(unknownDelete.statusCode, 404)
  const unknownThreadList = await app.inject({ url: '/api/v1/threads/missing/messages', headers: bearer() })
  t.equal(unknownThreadList.statusCode, 404)
})
