import t from 'tap'
import { ADMIN_TOKEN, API_TOKEN, bearer, build, listen } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

interface MediaType { schema: { properties: Record<string, { type?: string, format?: string }>, required?: string[] } }

t.test('the OpenAPI document describes the multipart upload, with the file as binary', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const operation = res.json().paths['/api/v1/upload/audio'].post
  const multipart = operation.requestBody.content['multipart/form-data'] as MediaType
  t.ok(multipart, 'requestBody has multipart/form-data')
  t.same(Object.keys(multipart.schema.properties), ['token', 'format', 'bitrate', 'duration', 'file'], 'the token comes before the file')
  t.match(multipart.schema.properties.file, { type: 'string', format: 'binary' })
  t.same(multipart.schema.required, ['file'])
})

t.test('a form sent as Swagger UI sends it (fields in the documented order) uploads', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const form = new FormData()
  form.append('token', API_TOKEN)
  form.append('format', 'mp3')
  form.append('file', new Blob([new Uint8Array(makeMp3Tone({ seconds: 1 }))], { type: 'audio/mpeg' }), 'render.mp3')
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form })
  t.equal(res.status, 200, 'the documented body is not validated as JSON: the stream handler reads it')
  t.match(await res.json(), { format: 'mp3', bitrate: 128 })
})

t.test('the document says what a request may leave out, and the service answers such requests', async (t) => {
  const { app } = await build(t)
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()

  for (const path of ['/api/v1/threads/', '/api/v1/threads/{id}/messages']) {
    const limit = document.paths[path].get.parameters.find((parameter: { name: string }) => parameter.name === 'limit')
    t.match(limit, { required: false, schema: { default: 20 } }, `${path}: limit is optional`)
  }
  const thread = (await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title: 't', users: ['u1'] } })).json()
  t.equal((await app.inject({ url: `/api/v1/threads/${thread.id}/messages`, headers: bearer() })).statusCode, 200, 'a page without limit')

  const cleanup = document.paths['/api/v1/admin/cleanup'].post
  t.equal(cleanup.requestBody.required, false, 'the cleanup body is optional')
  t.notOk('x-optional-body' in cleanup, 'the marker does not reach the document')
  t.ok(cleanup.responses[200].content['application/json'].schema.properties.repaired, 'the summary documents repaired')
  const swept = await app.inject({ method: 'POST', url: '/api/v1/admin/cleanup', headers: bearer(ADMIN_TOKEN) })
  t.equal(swept.statusCode, 200, 'a cleanup without a body')
  t.type(swept.json().repaired, 'number', 'and its summary has repaired')
  t.equal(document.paths['/api/v1/threads/'].post.requestBody.required, true, 'other bodies stay required')
})

t.test('every operation with a body documents the 413 and 415 of body parsing, which the service answers', async (t) => {
  const { app } = await build(t)
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const withBody = Object.entries<Record<string, { requestBody?: unknown, responses: Record<string, unknown> }>>(document.paths)
    .flatMap(([path, operations]) => Object.entries(operations).filter(([, operation]) => operation.requestBody !== undefined).map(([method, operation]) => ({ path, method, operation })))
  t.ok(withBody.length >= 9, `${withBody.length} operations with a body`)
  for (const { path, method, operation } of withBody) t.ok(operation.responses[413] !== undefined && operation.responses[415] !== undefined, `${method} ${path}`)
  t.ok(document.paths['/api/v1/upload/audio'].post.responses[409], 'the proxied upload documents its 409')

  const wrongType = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: { ...bearer(), 'content-type': 'application/xml' }, payload: '<title/>' })
  t.equal(wrongType.statusCode, 415)
  t.match(wrongType.json(), { statusCode: 415, code: String, error: String, message: String })
  const tooLarge = await app.inject({ method: 'POST', url: '/api/v1/threads', headers: bearer(), payload: { title: 'x'.repeat(1_100_000) } })
  t.equal(tooLarge.statusCode, 413)
  t.match(tooLarge.json(), { statusCode: 413, code: String })
})
