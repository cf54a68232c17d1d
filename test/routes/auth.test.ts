import t from 'tap'
import { API_TOKEN, build, bearer, createThread } from '../helper.js'

t.test('every /api/v1 route needs the API token', async (t) => {
  const { app } = await build(t)
  const thread = await createThread(app)

  const missing = await app.inject({ url: `/api/v1/threads/${thread.id}` })
  t.equal(missing.statusCode, 401)
  t.match(missing.json(), { statusCode: 401, code: 'UNAUTHORIZED' })

  const wrong = await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer('not-the-token-at-all') })
  t.equal(wrong.statusCode, 401)

  const wrongInQuery = await app.inject({ url: `/api/v1/threads/${thread.id}?token=nope` })
  t.equal(wrongInQuery.statusCode, 401)

  const viaHeader = await app.inject({ url: `/api/v1/threads/${thread.id}`, headers: bearer() })
  t.equal(viaHeader.statusCode, 200)

  const viaQuery = await app.inject({ url: `/api/v1/threads/${thread.id}?token=${API_TOKEN}` })
  t.equal(viaQuery.statusCode, 200, 'seed clients send token as a query parameter')

  const viaBody = await app.inject({
    method: 'POST',
    url: '/api/v1/threads',
    payload: { token: API_TOKEN, title: 'from body' }
  })
  t.equal(viaBody.statusCode, 201, 'seed clients send token as a JSON body field')
})

t.test('an unauthenticated request with a bad body is 401, not 400', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/messages', payload: { nonsense: true } })
  t.equal(res.statusCode, 401)
})

t.test('tokens never appear in the logs', async (t) => {
  const { app, logs } = await build(t)
  const thread = await createThread(app)
  await app.inject({ url: `/api/v1/threads/${thread.id}?token=${API_TOKEN}` })
  await app.inject({ url: `/api/v1/threads/${thread.id}?token=a-wrong-token-value` })
  await app.inject({ method: 'POST', url: '/api/v1/threads', payload: { token: API_TOKEN } })
  t.ok(logs.length > 3, 'requests were logged')
  const text = logs.join('\n')
  t.notOk(text.includes(API_TOKEN), 'API token absent')
  t.notOk(text.includes('a-wrong-token-value'), 'a wrong token is not logged either')
  t.ok(text.includes('token=[REDACTED]'), 'the query token is masked')
})
