import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { SignJWT, UnsecuredJWT } from 'jose'
import { bearer, build, JWT_SECRET, userToken } from '../helper.js'
import { createTestClock } from '../support/test-clock.js'

const me = (app: Awaited<ReturnType<typeof build>>['app'], token: string) =>
  app.inject({ url: '/api/v1/me', headers: bearer(token) })

t.test('a user token identifies its sub; GET /api/v1/me says who the caller is', async (t) => {
  const { app } = await build(t)
  const res = await me(app, await userToken('alice'))
  t.equal(res.statusCode, 200)
  t.same(res.json(), { user_id: 'alice', kind: 'user' })

  const service = await app.inject({ url: '/api/v1/me', headers: bearer() })
  t.same(service.json(), { user_id: null, kind: 'service' })
})

t.test('bad signature, alg none, another algorithm, expired, not yet valid: 401 JSON without details', async (t) => {
  const clock = createTestClock()
  const { app, logs } = await build(t, {}, { clock: clock.now })
  const secret = new TextEncoder().encode(JWT_SECRET)
  const now = Math.floor(clock.now().getTime() / 1000)
  const cases: Array<[string, string, RegExp]> = [
    ['bad signature', await userToken('alice', { secret: 'another-secret-0123456789abcdef0123456789' }), /not valid/],
    ['alg none', new UnsecuredJWT({}).setSubject('alice').setIssuedAt().setExpirationTime('1h').encode(), /algorithm/],
    ['HS512 with the right secret', await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('alice').setExpirationTime('1h').sign(secret), /algorithm/],
    ['expired', await userToken('alice', { now: new Date((now - 7200) * 1000) }), /expired/],
    ['not yet valid', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setNotBefore(now + 600).setExpirationTime(now + 3600).sign(secret), /not valid yet/],
    ['no sub', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 3600).sign(secret), /sub/],
    ['not a JWT', 'definitely-not-a-jwt-token', /valid token/]
  ]
  for (const [name, token, message] of cases) {
    const res = await me(app, token)
    t.equal(res.statusCode, 401, name)
    t.match(res.json(), { statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized', message }, name)
    t.notOk(res.body.includes(JWT_SECRET), `${name}: no secret in the answer`)
  }
  t.notOk(logs.join('\n').includes(JWT_SECRET), 'no secret in the logs')

  // The injected clock decides exp and nbf: an hour later the fresh token has expired.
  const fresh = await userToken('alice', { now: clock.now() })
  t.equal((await me(app, fresh)).statusCode, 200)
  clock.advance(3601_000)
  t.match((await me(app, fresh)).json(), { statusCode: 401, message: /expired/ })
})

t.test('issuer and audience are checked when set', async (t) => {
  const { app } = await build(t, { AUTH_JWT_ISSUER: 'https://id.example.com/', AUTH_JWT_AUDIENCE: 'render-service' })
  const good = await userToken('alice', { issuer: 'https://id.example.com/', audience: 'render-service' })
  t.equal((await me(app, good)).statusCode, 200)
  for (const [name, token] of [
    ['wrong audience', await userToken('alice', { issuer: 'https://id.example.com/', audience: 'another-service' })],
    ['wrong issuer', await userToken('alice', { issuer: 'https://evil.example.com/', audience: 'render-service' })],
    ['no audience', await userToken('alice', { issuer: 'https://id.example.com/' })]
  ] as const) {
    const res = await me(app, token)
    t.equal(res.statusCode, 401, name)
    t.match(res.json(), { code: 'UNAUTHORIZED', message: /claim is not accepted/ }, name)
  }
})

t.test('embedded default: a secret generated once under DATA_DIR verifies tokens signed with it', async (t) => {
  const first = await build(t, { AUTH_JWT_SECRET: undefined })
  const file = path.join(first.dataDir, 'jwt-secret')
  const secret = fs.readFileSync(file, 'utf8').trim()
  t.ok(secret.length >= 32, 'a long secret')
  t.equal(fs.statSync(file).mode & 0o777, 0o600, 'readable by the owner only')
  const token = await userToken('alice', { secret })
  t.equal((await me(first.app, token)).statusCode, 200)
  await first.app.close()
  const again = await build(t, { AUTH_JWT_SECRET: undefined }, { reuse: first })
  t.equal((await me(again.app, token)).statusCode, 200, 'the same secret after a restart')
})

t.test('a random token shaped like a JWT is 401, not 500', async (t) => {
  const { app } = await build(t)
  const junk = [crypto.randomBytes(8).toString('base64url'), crypto.randomBytes(8).toString('base64url'), 'x'].join('.')
  t.equal((await me(app, junk)).statusCode, 401)
})
