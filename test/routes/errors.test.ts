import t from 'tap'
import { build, bearer, countRenderRecords } from '../helper.js'

t.test('an unexpected error is a generic 500 with no detail or stack', async (t) => {
  const { app, logs } = await build(t)
  app.repository.findThread = async () => { throw new Error('secret internal detail') }
  const res = await app.inject({ url: '/api/v1/threads/some-id', headers: bearer() })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, code: 'INTERNAL_SERVER_ERROR', error: 'Internal Server Error', message: 'Internal Server Error' })
  t.ok(logs.some((line) => line.includes('secret internal detail')), 'the detail is logged for us')
})

t.test('a database outage is a 503', async (t) => {
  const { app } = await build(t)
  app.repository.findThread = async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }
  const res = await app.inject({ url: '/api/v1/threads/some-id', headers: bearer() })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'SERVICE_UNAVAILABLE' })
})

t.test('a storage outage during an upload is a 503 and leaves nothing behind', async (t) => {
  const { app } = await build(t)
  app.storage.presignPut = async () => { throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }
  const res = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: bearer(), payload: { format: 'mp3', size_bytes: 100 } })
  t.equal(res.statusCode, 503)
  t.equal(await countRenderRecords(app), 0, 'no pending record')
})
