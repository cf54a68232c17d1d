import t from 'tap'
import { UnsecuredJWT } from 'jose'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, API_TOKEN, build, JWT_SECRET, putToStorage, userToken } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

/**
 * Every route of the OpenAPI document × every identity → the status it must answer. The table is
 * keyed by the document's routes: a route added without a rule here fails this test.
 */
const AUDIENCE = 'render-service'
const IDENTITIES = ['none', 'badSignature', 'expired', 'wrongAudience', 'algNone', 'nonMember', 'member', 'author', 'service', 'admin'] as const
type Identity = (typeof IDENTITIES)[number]
type Allowed = Record<'nonMember' | 'member' | 'author' | 'service' | 'admin', number>

interface Fixture { threadId: string, messageId: string, uploadId: string, renderId: string }
interface Call { url: string, payload?: Record<string, unknown>, multipart?: boolean }
interface Rule {
  /** The same status for every identity (routes outside /api/v1). */
  anyone?: number
  allowed?: Allowed
  /** Needs objects of its own (the call changes or deletes them). */
  fresh?: boolean
  call: (fixture: Fixture, userId: string) => Call
}

const readers = (status: number): Allowed => ({ nonMember: 404, member: status, author: status, service: status, admin: 403 })
const authorOnly = (status: number): Allowed => ({ nonMember: 404, member: 403, author: status, service: status, admin: 403 })
const anyUser = (status: number): Allowed => ({ nonMember: status, member: status, author: status, service: status, admin: 403 })

const RULES: Record<string, Rule> = {
  'GET /health': { anyone: 200, call: () => ({ url: '/health' }) },
  'GET /ready': { anyone: 200, call: () => ({ url: '/ready' }) },
  'GET /metrics': { anyone: 404, call: () => ({ url: '/metrics' }) }, // METRICS_TOKEN unset: no exporter
  'GET /demo/upload': { anyone: 200, call: () => ({ url: '/demo/upload' }) },
  // The web client's page carries no data: the token is typed in or passed in the fragment.
  'GET /app/': { anyone: 200, call: () => ({ url: '/app/' }) },
  'GET /api/v1/me/': { allowed: anyUser(200), call: () => ({ url: '/api/v1/me' }) },
  'POST /api/v1/threads/': { allowed: anyUser(201), call: () => ({ url: '/api/v1/threads', payload: { title: 'x' } }) },
  'GET /api/v1/threads/': { allowed: anyUser(200), call: () => ({ url: '/api/v1/threads' }) },
  'GET /api/v1/threads/{id}': { allowed: readers(200), call: (f) => ({ url: `/api/v1/threads/${f.threadId}` }) },
  'DELETE /api/v1/threads/{id}': { allowed: authorOnly(200), fresh: true, call: (f) => ({ url: `/api/v1/threads/${f.threadId}` }) },
  'PATCH /api/v1/threads/{id}': { allowed: authorOnly(200), fresh: true, call: (f) => ({ url: `/api/v1/threads/${f.threadId}`, payload: { visibility: 'private' } }) },
  'GET /api/v1/threads/{id}/messages': { allowed: readers(200), call: (f) => ({ url: `/api/v1/threads/${f.threadId}/messages` }) },
  'POST /api/v1/threads/{id}/members': { allowed: authorOnly(200), fresh: true, call: (f) => ({ url: `/api/v1/threads/${f.threadId}/members`, payload: { user_id: 'zed' } }) },
  'DELETE /api/v1/threads/{id}/members/{user_id}': { allowed: authorOnly(200), fresh: true, call: (f) => ({ url: `/api/v1/threads/${f.threadId}/members/carol` }) },
  'POST /api/v1/messages/': {
    allowed: { ...readers(201) },
    call: (f, userId) => ({ url: '/api/v1/messages', payload: { parent_thread: f.threadId, user_id: userId, snapshot: {} } })
  },
  'GET /api/v1/messages/{id}': { allowed: readers(200), call: (f) => ({ url: `/api/v1/messages/${f.messageId}` }) },
  'DELETE /api/v1/messages/{id}': { allowed: authorOnly(200), fresh: true, call: (f) => ({ url: `/api/v1/messages/${f.messageId}` }) },
  // The render named does not exist: 422 shows the caller got past the access checks.
  'POST /api/v1/messages/{id}/renders': {
    allowed: authorOnly(422),
    fresh: true,
    call: (f) => ({ url: `/api/v1/messages/${f.messageId}/renders`, payload: { render: { id: 'nothing-here', url: 'http://127.0.0.1:1/renders/dev/renders/nothing-here.mp3' } } })
  },
  'GET /api/v1/renders/{id}': { allowed: readers(200), call: (f) => ({ url: `/api/v1/renders/${f.renderId}` }) },
  'POST /api/v1/uploads/': { allowed: anyUser(201), call: () => ({ url: '/api/v1/uploads', payload: { format: 'mp3', size_bytes: 1000 } }) },
  // Only the uploader (the author here) or the service token gets to the file check (409: nothing was PUT).
  'POST /api/v1/uploads/{id}/complete': {
    allowed: { nonMember: 404, member: 404, author: 409, service: 409, admin: 403 },
    fresh: true,
    call: (f) => ({ url: `/api/v1/uploads/${f.uploadId}/complete`, payload: {} })
  },
  'POST /api/v1/upload/audio': { allowed: anyUser(200), call: () => ({ url: '/api/v1/upload/audio', multipart: true }) },
  'POST /api/v1/admin/cleanup': {
    allowed: { nonMember: 403, member: 403, author: 403, service: 403, admin: 200 },
    call: () => ({ url: '/api/v1/admin/cleanup', payload: { dry_run: true } })
  }
}

const USERS = { nonMember: 'mallory', member: 'bob', author: 'alice' } as const

async function tokensFor (): Promise<Record<Identity, string | undefined>> {
  const good = (user: string) => userToken(user, { audience: AUDIENCE })
  const now = Math.floor(Date.now() / 1000)
  return {
    none: undefined,
    badSignature: await userToken('alice', { audience: AUDIENCE, secret: 'not-the-secret-0123456789abcdef0123456789' }),
    expired: await userToken('alice', { audience: AUDIENCE, now: new Date((now - 7200) * 1000) }),
    wrongAudience: await userToken('alice', { audience: 'another-service' }),
    algNone: new UnsecuredJWT({}).setSubject('alice').setAudience(AUDIENCE).setExpirationTime('1h').encode(),
    nonMember: await good(USERS.nonMember),
    member: await good(USERS.member),
    author: await good(USERS.author),
    service: API_TOKEN,
    admin: ADMIN_TOKEN
  }
}

const multipartBody = (file: Buffer) => {
  const boundary = 'matrixboundary'
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nmp3\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`
  return { body: Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` }
}

async function fixture (app: FastifyInstance, alice: string, withRender: boolean): Promise<Fixture> {
  const auth = { authorization: `Bearer ${alice}` }
  const thread = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: auth, payload: { users: ['bob', 'carol'] } })
  const threadId = thread.json().id
  const message = await app.inject({ method: 'POST', url: '/api/v1/messages', headers: auth, payload: { parent_thread: threadId, user_id: 'alice', snapshot: {} } })
  const messageId = message.json().id
  const upload = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: auth, payload: { format: 'mp3', size_bytes: 1000 } })
  if (upload.statusCode !== 201) throw new Error(`upload fixture: ${upload.statusCode} ${upload.body}`)
  let renderId = upload.json().render_id
  if (withRender) {
    const mp3 = makeMp3Tone({ seconds: 0.5 })
    const ticket = (await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: auth, payload: { format: 'mp3', size_bytes: mp3.length } })).json()
    await putToStorage(ticket.upload, mp3)
    const done = await app.inject({ method: 'POST', url: `/api/v1/uploads/${ticket.render_id}/complete`, headers: auth, payload: { message_id: messageId } })
    if (done.statusCode !== 200) throw new Error(`render fixture: ${done.statusCode} ${done.body}`)
    renderId = ticket.render_id
  }
  return { threadId, messageId, uploadId: upload.json().render_id, renderId }
}

t.test('every route in the OpenAPI document answers each identity as its rule says', async (t) => {
  // The fixtures make many uploads as the author; the rate limit has its own test.
  const { app } = await build(t, { AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_JWT_SECRET: JWT_SECRET, UPLOAD_RATE_LIMIT_MAX: 0 })
  const tokens = await tokensFor()
  const shared = await fixture(app, tokens.author!, true)
  const mp3 = makeMp3Tone({ seconds: 0.5 })

  const document = app.swagger() as { paths: Record<string, Record<string, { security?: unknown }>> }
  const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, operation })))
  t.ok(routes.length >= 20, `${routes.length} routes in the document`)
  t.same(Object.keys(RULES).filter((key) => !routes.some((route) => route.key === key)), [], 'no rule for a route that is gone')

  for (const route of routes) {
    const rule = RULES[route.key]
    if (rule === undefined) {
      t.fail(`${route.key} has no rule in the authorization matrix`)
      continue
    }
    if (route.path.startsWith('/api/v1/')) t.same(route.operation.security, [{ bearer: [] }], `${route.key} documents the bearer scheme`)
    for (const identity of IDENTITIES) {
      const expected = rule.anyone ?? (identity in (rule.allowed ?? {}) ? rule.allowed![identity as keyof Allowed] : 401)
      const userId = identity in USERS ? USERS[identity as keyof typeof USERS] : 'alice'
      const objects = rule.fresh === true ? await fixture(app, tokens.author!, false) : shared
      const call = rule.call(objects, userId)
      const token = tokens[identity]
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
      let payload: string | Buffer | Record<string, unknown> | undefined = call.payload
      if (call.multipart === true) {
        const form = multipartBody(mp3)
        headers['content-type'] = form.type
        payload = form.body
      }
      const res = await app.inject({ method: route.method as 'GET', url: call.url, headers, ...(payload === undefined ? {} : { payload }) })
      t.equal(res.statusCode, expected, `${route.key} as ${identity}`)
      if (res.statusCode >= 400) t.match(res.json(), { statusCode: res.statusCode, code: String, error: String, message: String }, `${route.key} as ${identity}: JSON error`)
    }
  }
})
