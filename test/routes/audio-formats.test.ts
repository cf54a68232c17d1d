import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { API_TOKEN, bearer, build, completeUpload, countRenderRecords, createMessage, createThread, listen, listStoredKeys, putToStorage, requestUpload } from '../helper.js'
import { AUDIO_FORMAT_NAMES, AUDIO_FORMATS, type AudioFormat } from '../../services/audio/audio-formats.js'
import { DURATION_TOLERANCE, encodeTone, haveFfmpeg, TONE } from '../support/ffmpeg-audio.js'

/** The format each one is disguised as: the next in the allowlist (the last as MP3). */
const disguiseOf = (format: AudioFormat) => AUDIO_FORMAT_NAMES[(AUDIO_FORMAT_NAMES.indexOf(format) + 1) % AUDIO_FORMAT_NAMES.length]
/** A content type of the format other than its own first one where it has one, so aliases are exercised too. */
const aliasOf = (format: AudioFormat) => AUDIO_FORMATS[format].contentTypes.at(-1)!

/** The seed's multipart upload with the file part named and typed as the claimed format. */
async function uploadAs (baseUrl: string, bytes: Buffer, claimed: AudioFormat, order: 'format-first' | 'file-first' = 'format-first') {
  const form = new FormData()
  form.append('token', API_TOKEN)
  const file = new Blob([new Uint8Array(bytes)], { type: AUDIO_FORMATS[claimed].contentType })
  if (order === 'format-first') form.append('format', claimed)
  form.append('file', file, `render.${AUDIO_FORMATS[claimed].extension}`)
  if (order === 'file-first') form.append('format', claimed)
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form })
  return { status: res.status, body: await res.json() as Record<string, any> }
}

async function checkServed (t: Test, app: FastifyInstance, render: Record<string, any>, format: AudioFormat, bytes: Buffer) {
  t.equal(render.format, format)
  t.equal(render.size_bytes, bytes.length)
  t.ok(Math.abs(render.duration - TONE.seconds) <= DURATION_TOLERANCE[format], `${format}: duration ${render.duration} s read from the file (within ${DURATION_TOLERANCE[format].toFixed(3)} s)`)
  t.equal(render.url, app.storage.publicUrl(`dev/renders/${render.id}.${AUDIO_FORMATS[format].extension}`), 'the key has the format\'s extension')
  const served = await fetch(render.url)
  t.equal(served.headers.get('content-type'), AUDIO_FORMATS[format].contentType, 'stored with the format\'s content type')
  t.ok(Buffer.from(await served.arrayBuffer()).equals(bytes), 'the same bytes')
}

async function checkNothingLeft (t: Test, app: FastifyInstance) {
  t.same(await listStoredKeys(app), [], 'no object left')
  t.equal(await countRenderRecords(app), 0, 'no record left')
}

if (haveFfmpeg(t)) {
  const tones = new Map(AUDIO_FORMAT_NAMES.map((format) => [format, encodeTone(format)]))

  t.test('direct upload: each format is signed with its content type, verified and served', async (t) => {
    const { app } = await build(t)
    for (const [format, bytes] of tones) {
      const ticket = (await requestUpload(app, { format, size_bytes: bytes.length })).json()
      t.equal(ticket.key, `dev/renders/${ticket.render_id}.${AUDIO_FORMATS[format].extension}`)
      t.equal(ticket.upload.headers['content-type'], AUDIO_FORMATS[format].contentType, `${format}: the PUT signs its content type`)
      t.equal((await putToStorage(ticket.upload, bytes)).status, 200)
      const completed = await completeUpload(app, ticket.render_id)
      t.equal(completed.statusCode, 200, `${format}: ${completed.body}`)
      await checkServed(t, app, completed.json(), format, bytes)
      t.same((await app.inject({ url: `/api/v1/renders/${ticket.render_id}`, headers: bearer() })).json(), completed.json())
    }
  })

  t.test('direct upload: a claimed content type of the format is signed as sent; the render gets the format\'s own', async (t) => {
    const { app } = await build(t)
    const bytes = tones.get('wav')!
    const ticket = (await requestUpload(app, { format: 'wav', content_type: 'audio/x-wav', size_bytes: bytes.length })).json()
    t.equal(ticket.upload.headers['content-type'], 'audio/x-wav')
    t.equal((await putToStorage(ticket.upload, bytes, { 'content-type': 'audio/wav' })).status, 403, 'storage refuses another content type')
    t.equal((await putToStorage(ticket.upload, bytes)).status, 200)
    await checkServed(t, app, (await completeUpload(app, ticket.render_id)).json(), 'wav', bytes)
  })

  t.test('direct upload: each format disguised as another is refused and leaves nothing behind', async (t) => {
    const { app } = await build(t)
    for (const [actual, bytes] of tones) {
      const claimed = disguiseOf(actual)
      const ticket = (await requestUpload(app, { format: claimed, content_type: aliasOf(claimed), size_bytes: bytes.length })).json()
      t.equal((await putToStorage(ticket.upload, bytes)).status, 200)
      const res = await completeUpload(app, ticket.render_id)
      t.equal(res.statusCode, 422, `${actual} claimed as ${claimed}`)
      t.match(res.json(), { statusCode: 422, code: 'UNPROCESSABLE_ENTITY', message: `not ${AUDIO_FORMATS[claimed].label}: it is ${AUDIO_FORMATS[actual].label}` })
      await checkNothingLeft(t, app)
    }
  })

  t.test('proxied upload: each format is verified and served', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    for (const [format, bytes] of tones) {
      const { status, body } = await uploadAs(baseUrl, bytes, format)
      t.equal(status, 200, `${format}: ${JSON.stringify(body)}`)
      await checkServed(t, app, body, format, bytes)
    }
  })

  t.test('proxied upload: each format disguised as another is refused and leaves nothing behind', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    for (const [actual, bytes] of tones) {
      const claimed = disguiseOf(actual)
      const { status, body } = await uploadAs(baseUrl, bytes, claimed)
      t.equal(status, 415, `${actual} claimed as ${claimed}`)
      t.match(body, { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `not ${AUDIO_FORMATS[claimed].label}: it is ${AUDIO_FORMATS[actual].label}` })
      await checkNothingLeft(t, app)
    }
  })

  t.test('proxied upload: a format sent after the file is refused, since the key was named without it', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    const { status, body } = await uploadAs(baseUrl, tones.get('flac')!, 'flac', 'file-first')
    t.equal(status, 400)
    t.match(body, { code: 'BAD_REQUEST', message: /format field before the file/ })
    await checkNothingLeft(t, app)
  })

  t.test('a render of another format is attached by the seed\'s flow and deleted with its message', async (t) => {
    const { app } = await build(t)
    const baseUrl = await listen(app)
    const message = await createMessage(app, (await createThread(app)).id)
    const { body: render } = await uploadAs(baseUrl, tones.get('opus')!, 'opus')
    const attached = await app.inject({ method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render } })
    t.equal(attached.statusCode, 200, attached.body)
    t.same((await app.inject({ url: `/api/v1/messages/${message.id}`, headers: bearer() })).json().renders, [render])
    t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/messages/${message.id}`, headers: bearer() })).statusCode, 200)
    await checkNothingLeft(t, app)
  })
}

t.test('the OpenAPI document lists the formats and their content types', async (t) => {
  const { app } = await build(t)
  const doc = (await app.inject({ url: '/docs/json' })).json()
  const body = doc.paths['/api/v1/uploads/'].post.requestBody.content['application/json'].schema
  const listed = (schema: { anyOf?: Array<{ const?: string, enum?: string[] }>, enum?: string[] }) => schema.enum ?? schema.anyOf!.flatMap((option) => option.enum ?? [option.const!])
  t.same(listed(body.properties.format), AUDIO_FORMAT_NAMES)
  t.same(new Set(listed(body.properties.content_type)), new Set(Object.values(AUDIO_FORMATS).flatMap((format) => format.contentTypes)))
  const form = doc.paths['/api/v1/upload/audio'].post.requestBody.content['multipart/form-data'].schema
  t.same(form.properties.format.enum, AUDIO_FORMAT_NAMES)
})
