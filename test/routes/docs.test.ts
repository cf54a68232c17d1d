import t from 'tap'
import { API_TOKEN, build, listen } from '../helper.js'
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
