import t from 'tap'
import { bearer, build } from '../helper.js'

const preflight = (origin: string, url = '/api/v1/uploads') => ({
  method: 'OPTIONS' as const,
  url,
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
})

t.test('with the default CORS_ORIGINS=* any origin may call the API', async (t) => {
  const { app } = await build(t)
  const res = await app.inject(preflight('https://anywhere.example'))
  t.equal(res.statusCode, 204, 'answered before auth: a preflight carries no token')
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers['access-control-allow-headers'], 'authorization, content-type')
  t.match(res.headers['access-control-allow-methods'], /\bPOST\b/)
  t.equal(res.headers['access-control-max-age'], '3000')

  const created = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: { ...bearer(), origin: 'https://anywhere.example' }, payload: { title: 't', users: [] } })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['access-control-allow-origin'], '*')
  const refused = await app.inject({ method: 'GET', url: '/api/v1/threads', headers: { origin: 'https://anywhere.example' } })
  t.equal(refused.statusCode, 401)
  t.equal(refused.headers['access-control-allow-origin'], '*', 'a page can read the JSON error too')
})

t.test('with a list, only its origins are allowed, each echoed back', async (t) => {
  const { app } = await build(t, { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' })
  for (const origin of ['https://app.example.com', 'https://admin.example.com']) {
    const res = await app.inject(preflight(origin, '/api/v1/uploads/abc/complete'))
    t.equal(res.statusCode, 204)
    t.equal(res.headers['access-control-allow-origin'], origin)
    t.match(res.headers.vary, /Origin/i, 'caches keep answers for different origins apart')
    t.equal(res.headers['access-control-allow-headers'], 'authorization, content-type')
    const listed = await app.inject({ method: 'GET', url: '/api/v1/threads', headers: { ...bearer(), origin } })
    t.equal(listed.statusCode, 200)
    t.equal(listed.headers['access-control-allow-origin'], origin)
  }

  for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
    const res = await app.inject(preflight(origin))
    t.equal(res.headers['access-control-allow-origin'], undefined, `no allow-origin for ${origin}`)
    const listed = await app.inject({ method: 'GET', url: '/api/v1/threads', headers: { ...bearer(), origin } })
    t.equal(listed.headers['access-control-allow-origin'], undefined, `no allow-origin on the response to ${origin}`)
  }
})
