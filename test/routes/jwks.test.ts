import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import { bearer, build, userToken } from '../helper.js'

const ISSUER = 'https://id.example.com/'
const AUDIENCE = 'render-service'

async function signingKey (kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = { ...await exportJWK(publicKey), kid, alg: 'ES256', use: 'sig' }
  const sign = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setSubject(sub)
    .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(privateKey)
  return { jwk, sign }
}

/** The identity provider's key set, served from a real local HTTP server; the test changes it. */
async function keySetServer (t: Test) {
  let keys: JWK[] = []
  let fetches = 0
  const server = http.createServer((request, response) => {
    fetches++
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  t.teardown(close)
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    serve (next: JWK[]) { keys = next },
    get fetches () { return fetches },
    close
  }
}

t.test('JWKS: keys rotate mid-test; new-key tokens verify, unknown keys are refused', async (t) => {
  const idp = await keySetServer(t)
  const [first, second, stranger] = await Promise.all([signingKey('k1'), signingKey('k2'), signingKey('k3')])
  idp.serve([first.jwk])
  const { app } = await build(t, { AUTH_JWKS_URL: idp.url, AUTH_JWKS_COOLDOWN_SECONDS: 0, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE })
  const me = async (token: string) => app.inject({ url: '/api/v1/me', headers: bearer(token) })

  const before = await me(await first.sign('alice'))
  t.equal(before.statusCode, 200)
  t.same(before.json(), { user_id: 'alice', kind: 'user' })
  await me(await first.sign('alice'))
  t.equal(idp.fetches, 1, 'the key set is cached')

  idp.serve([second.jwk])
  const rotated = await me(await second.sign('bob'))
  t.equal(rotated.statusCode, 200, 'a token with the new kid makes the service fetch the key set again')
  t.same(rotated.json(), { user_id: 'bob', kind: 'user' })
  t.equal(idp.fetches, 2)

  const unknown = await me(await stranger.sign('mallory'))
  t.equal(unknown.statusCode, 401)
  t.match(unknown.json(), { code: 'UNAUTHORIZED', message: 'The token is signed with an unknown key' })
  t.equal((await me(await first.sign('alice'))).statusCode, 401, 'the retired key no longer verifies')

  const hs256 = await userToken('alice', { issuer: ISSUER, audience: AUDIENCE })
  t.match((await me(hs256)).json(), { statusCode: 401, message: /algorithm/ }, 'no symmetric tokens when a key set is configured')

  await idp.close()
  const unreachable = await me(await (await signingKey('k4')).sign('alice'))
  t.equal(unreachable.statusCode, 503, 'a key set that cannot be fetched is an outage, not the caller\'s fault')
  t.match(unreachable.json(), { code: 'SERVICE_UNAVAILABLE' })
  t.equal((await me(await second.sign('bob'))).statusCode, 200, 'cached keys still verify')
})
