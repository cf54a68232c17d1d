import t from 'tap'
import { ADMIN_TOKEN, bearer, build } from '../helper.js'

t.test('admin endpoints with no ADMIN_TOKEN set say they are off, not only that they need it', async (t) => {
  const { app } = await build(t, { ADMIN_TOKEN: undefined })
  const res = await app.inject({ method: 'POST', url: '/api/v1/admin/cleanup', headers: bearer() })
  t.equal(res.statusCode, 403)
  t.match(res.json(), { code: 'FORBIDDEN', message: 'Admin endpoints are off: set ADMIN_TOKEN on the service, then send it' })
})

t.test('admin cleanup: the body is optional and older_than is range-checked', async (t) => {
  const { app } = await build(t, { CLEANUP_MIN_AGE_SECONDS: 600 })
  const cleanup = (options: { payload?: string | Record<string, unknown>, headers?: Record<string, string> } = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/admin/cleanup', ...options, headers: { ...bearer(ADMIN_TOKEN), ...options.headers } })

  const noBody = await cleanup()
  t.equal(noBody.statusCode, 200, 'no body')
  t.match(noBody.json(), { status: 'completed', dry_run: false })
  const emptyJson = await cleanup({ payload: '', headers: { 'content-type': 'application/json' } })
  t.equal(emptyJson.statusCode, 200, 'an empty JSON body')
  t.equal((await cleanup({ payload: { dry_run: true, older_than: '10m' } })).statusCode, 200, 'exactly the minimum')
  t.equal((await cleanup({ payload: { dry_run: true, older_than: '3650d' } })).statusCode, 200, 'exactly the maximum')

  for (const olderThan of ['999999999d', '3651d', '9m', '599s', '0s', '99999999999s', 'soon']) {
    const res = await cleanup({ payload: { dry_run: true, older_than: olderThan } })
    t.equal(res.statusCode, 400, `${olderThan} is refused`)
    t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  }
  t.match((await cleanup({ payload: { older_than: '999999999d' } })).json(), { message: 'older_than must be between 600s and 3650d' })
  t.equal((await cleanup({ payload: '{"dry_run":', headers: { 'content-type': 'application/json' } })).statusCode, 400, 'broken JSON is still refused')
  t.equal((await cleanup({ payload: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } })).statusCode, 400, 'and prototype poisoning')
})
