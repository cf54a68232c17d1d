import t from 'tap'
import { bearer, build } from '../helper.js'

t.test('a method the path has no route for is 405 with Allow; an unknown path stays 404', async (t) => {
  const { app } = await build(t)

  const put = await app.inject({ method: 'PUT', url: '/api/v1/threads?limit=5', headers: bearer() })
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'GET, HEAD, OPTIONS, POST')
  t.same(put.json(), { statusCode: 405, code: 'METHOD_NOT_ALLOWED', error: 'Method Not Allowed', message: 'PUT is not allowed here; allowed: GET, HEAD, OPTIONS, POST' })

  const patch = await app.inject({ method: 'PATCH', url: '/api/v1/messages/some-id', headers: bearer() })
  t.equal(patch.statusCode, 405)
  t.equal(patch.headers.allow, 'DELETE, GET, HEAD, OPTIONS')

  const postHealth = await app.inject({ method: 'POST', url: '/health' })
  t.equal(postHealth.statusCode, 405)
  t.equal(postHealth.headers.allow, 'GET, HEAD, OPTIONS', 'OPTIONS: every path answers CORS preflights')

  for (const [method, url] of [['GET', '/api/v1/nothing-here'], ['PUT', '/api/v1/threads/a/b/c'], ['DELETE', '/nope']] as const) {
    const res = await app.inject({ method, url, headers: bearer() })
    t.equal(res.statusCode, 404, `${method} ${url}`)
    t.equal(res.headers.allow, undefined)
    t.match(res.json(), { statusCode: 404, code: 'NOT_FOUND' })
  }
})
