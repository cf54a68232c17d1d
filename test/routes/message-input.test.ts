import t from 'tap'
import { bearer, build, createThread } from '../helper.js'

const nestedObject = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1)
const nestedArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)

t.test('stored JSON has a depth limit: too deep is a 400 before anything is stored', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const post = (snapshot: string, metadata = 'null') => app.inject({
    method: 'POST',
    url: '/api/v1/messages',
    headers: { ...bearer(), 'content-type': 'application/json' },
    payload: `{"parent_thread":"${thread.id}","user_id":"u1","snapshot":${snapshot},"snapshot_metadata":${metadata}}`
  })

  const cases: Array<[string, string, string?]> = [
    ['an object nested 10,000 levels', nestedObject(10_000)],
    ['arrays nested 100,000 levels', `{"x":${nestedArray(100_000)}}`],
    ['33 levels', nestedObject(33)],
    ['metadata nested 33 levels', '{}', nestedObject(33)]
  ]
  for (const [name, snapshot, metadata] of cases) {
    const res = await post(snapshot, metadata)
    t.equal(res.statusCode, 400, name)
    t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode'])
    t.match(res.json(), { code: 'VALIDATION_ERROR', message: /must not nest objects and arrays more than 32 levels deep/ })
  }
  const threadAfter = await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })
  t.same(threadAfter.json().messages, [], 'no message was stored')

  const deepest = await post(`{"x":${nestedArray(31)}}`, nestedObject(32))
  t.equal(deepest.statusCode, 201, '32 levels are accepted')
  t.same((await app.inject({ url: `/api/v1/messages/${deepest.json().id}`, headers: bearer() })).json().snapshot, { x: JSON.parse(nestedArray(31)) })

  const spec = (await app.inject({ url: '/docs/json' })).json()
  const body = spec.paths['/api/v1/messages/'].post.requestBody.content['application/json'].schema
  t.match(body.properties.snapshot.description, /at most 32 levels deep/, 'the limit is stated in the OpenAPI document')
})

t.test('message timestamps: no offset is UTC, as the original server took them', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  // A server whose local zone is not UTC must not read an offset-less timestamp as local time.
  const zone = process.env.TZ
  process.env.TZ = 'America/New_York'
  t.teardown(() => { process.env.TZ = zone })
  const post = (timestamp: unknown) => app.inject({
    method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, timestamp }
  })

  const dart = await post('2025-10-05T18:30:00.123456')
  t.equal(dart.statusCode, 201, 'Dart\'s local toIso8601String() is accepted')
  t.match(dart.json().timestamp, /^2025-10-05T18:30:00\.123(456)?Z$/)

  const offset = await post('2025-10-05T20:30:00.5+02:00')
  t.equal(offset.statusCode, 201)
  t.match(offset.json().timestamp, /^2025-10-05T18:30:00\.500(000)?Z$/, 'an offset is applied')

  for (const bad of ['2025-02-30T10:00:00', '2025-10-05', 'yesterday', '2025-10-05T25:00:00Z']) {
    const res = await post(bad)
    t.equal(res.statusCode, 400, `${bad} is refused`)
    t.match(res.json(), { code: 'VALIDATION_ERROR', message: /body\/timestamp must be an ISO 8601 date-time/ })
  }
})

t.test('message timestamps keep microseconds', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)
  const res = await app.inject({
    method: 'POST', url: '/api/v1/messages', headers: bearer(), payload: { parent_thread: thread.id, user_id: 'u1', snapshot: {}, timestamp: '2025-10-05T18:30:00.123456' }
  })
  t.equal(res.json().timestamp, '2025-10-05T18:30:00.123456Z')
})
