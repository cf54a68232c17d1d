import t from 'tap'
import { build } from '../helper.js'

t.test('GET /health answers without a token', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('GET /ready checks the database and the bucket', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/ready' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready', database: 'ok', storage: 'ok' })
})

t.test('GET /ready is 503 when storage is unreachable', async (t) => {
  const { app } = await build(t, {
    S3_ENDPOINT_URL: 'http://127.0.0.1:9',
    S3_ACCESS_KEY: 'unreachable-key',
    S3_SECRET_KEY: 'unreachable-secret',
    S3_FORCE_PATH_STYLE: true
  })
  const res = await app.inject({ url: '/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'unavailable', database: 'ok', storage: 'unavailable' })
})

t.test('unknown routes get the JSON error shape', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/nope' })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found' })
})

t.test('the OpenAPI document lists every API route', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const paths = Object.keys(res.json().paths)
  for (const route of ['/api/v1/threads/', '/api/v1/messages/', '/api/v1/messages/{id}/renders', '/api/v1/upload/audio', '/health', '/ready']) {
    t.ok(paths.includes(route), `${route} is documented`)
  }
})
