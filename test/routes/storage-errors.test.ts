import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { startEmbeddedS3, type EmbeddedS3 } from '../../services/storage/embedded-s3.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'
import { API_TOKEN, bearer, build, countRenderRecords, listen, listStoredKeys, requestUpload, uploadAudio } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'

const mp3 = makeMp3Tone({ seconds: 1, kbps: 64 })
const levelOf = (line: string) => (JSON.parse(line) as { level: number }).level
const errorLines = (logs: string[]) => logs.filter((line) => levelOf(line) >= 50)

/** A separate embedded server, so the app can be given wrong settings for it. */
async function externalS3 (t: Test): Promise<EmbeddedS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-errors-s3-'))
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: 'dev/renders/' })
  t.teardown(async () => { await s3.close(); fs.rmSync(directory, { recursive: true, force: true }) })
  return s3
}

/** Keys anywhere in the external server's bucket, read with the right credentials. */
async function keysIn (t: Test, s3: EmbeddedS3) {
  const storage = createS3Storage({
    endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey,
    bucket: 'renders', forcePathStyle: true, acl: 'public-read'
  })
  t.teardown(() => storage.close())
  return (await storage.listObjects('')).objects.map((object) => object.key)
}

t.test('a wrong secret is a configuration error: 500, one log line naming the keys, no secret anywhere', async (t) => {
  const s3 = await externalS3(t)
  const secret = 'wrong-secret-6f1e0c2b9a'
  const { app, logs } = await build(t, { S3_ENDPOINT_URL: s3.endpoint, S3_ACCESS_KEY: s3.accessKeyId, S3_SECRET_KEY: secret, S3_FORCE_PATH_STYLE: true })
  const res = await uploadAudio(await listen(app), mp3)
  t.equal(res.status, 500)
  t.same(res.body, {
    statusCode: 500, code: 'STORAGE_MISCONFIGURED', error: 'Internal Server Error',
    message: 'The service cannot use its storage; an operator must check its settings'
  })
  const errors = errorLines(logs)
  t.equal(errors.length, 1, 'one error-level line')
  t.match(JSON.parse(errors[0]), { msg: /check S3_ACCESS_KEY\/S3_SECRET_KEY/, storageError: 'SignatureDoesNotMatch', operation: 'putObject' })
  t.notOk(logs.some((line) => line.includes(secret)), 'the secret is not logged')

  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json<{ render_id: string }>()
  const complete = await app.inject({ method: 'POST', url: `/api/v1/uploads/${ticket.render_id}/complete`, headers: bearer(), payload: {} })
  t.equal(complete.statusCode, 500, 'completing a direct upload fails the same way')
  t.match(complete.json(), { code: 'STORAGE_MISCONFIGURED' })
  t.match(JSON.parse(errorLines(logs)[1]), { msg: /check S3_ACCESS_KEY\/S3_SECRET_KEY/, storageError: 'SignatureDoesNotMatch' })
  t.same(await keysIn(t, s3), [], 'nothing was stored')
})

t.test('a bucket that does not exist is a configuration error naming S3_BUCKET_NAME', async (t) => {
  const s3 = await externalS3(t)
  const { app, logs } = await build(t, {
    S3_ENDPOINT_URL: s3.endpoint, S3_ACCESS_KEY: s3.accessKeyId, S3_SECRET_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: true, S3_BUCKET_NAME: 'no-such-bucket'
  })
  const res = await uploadAudio(await listen(app), mp3)
  t.equal(res.status, 500)
  t.match(res.body, { code: 'STORAGE_MISCONFIGURED' })
  const errors = errorLines(logs)
  t.equal(errors.length, 1)
  t.match(JSON.parse(errors[0]), { msg: /check S3_BUCKET_NAME/, storageError: 'NoSuchBucket', setting: 'S3_BUCKET_NAME' })

  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json<{ render_id: string }>()
  const complete = await app.inject({ method: 'POST', url: `/api/v1/uploads/${ticket.render_id}/complete`, headers: bearer(), payload: {} })
  t.equal(complete.statusCode, 500, 'a missing bucket is not taken for an upload not PUT yet')
  t.match(complete.json(), { code: 'STORAGE_MISCONFIGURED' })
})

/** A storage endpoint that always asks the client to slow down, as S3 does under load. */
async function slowDownServer (t: Test, headers: Record<string, string> = {}) {
  let requests = 0
  const server = http.createServer((request, response) => {
    requests++
    request.resume()
    response.writeHead(503, { 'content-type': 'application/xml', ...headers })
    response.end(request.method === 'HEAD' ? undefined : '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests: () => requests }
}

t.test('storage answering 503 SlowDown is a 503 with retry-after, and the refused upload is queued for deletion', async (t) => {
  const storage = await slowDownServer(t)
  const { app, logs } = await build(t, { S3_ENDPOINT_URL: storage.endpoint, S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret', S3_FORCE_PATH_STYLE: true })
  const baseUrl = await listen(app)
  const form = new FormData()
  form.append('token', API_TOKEN)
  form.append('file', new Blob([new Uint8Array(mp3)], { type: 'audio/mpeg' }), 'render.mp3')
  const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form })
  t.equal(res.status, 503)
  t.equal(res.headers.get('retry-after'), '5')
  t.match(await res.json(), { statusCode: 503, code: 'SERVICE_UNAVAILABLE' })
  t.ok(storage.requests() > 1, `the SDK retried (${storage.requests()} requests)`)
  t.match(JSON.parse(errorLines(logs)[0]), { msg: 'storage unavailable', storageError: 'SlowDown', operation: 'putObject' })
  t.equal(await app.repository.countDeletions(), 1, 'the object storage may hold is queued for deletion')
})

t.test('the provider\'s Retry-After is passed on', async (t) => {
  const storage = await slowDownServer(t, { 'retry-after': '1' })
  const { app } = await build(t, { S3_ENDPOINT_URL: storage.endpoint, S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret', S3_FORCE_PATH_STYLE: true })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json<{ render_id: string }>()
  const res = await app.inject({ method: 'POST', url: `/api/v1/uploads/${ticket.render_id}/complete`, headers: bearer(), payload: {} })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '1')
})

t.test('unreachable storage is a 503', async (t) => {
  const { app } = await build(t, { S3_ENDPOINT_URL: 'http://127.0.0.1:9', S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret', S3_FORCE_PATH_STYLE: true })
  const res = await uploadAudio(await listen(app), mp3)
  t.equal(res.status, 503)
  t.match(res.body, { code: 'SERVICE_UNAVAILABLE' })
})

/** Resolves with the first log line matching `pattern`, already written or still to come. */
function logLine (logs: string[], pattern: RegExp) {
  return new Promise<string>((resolve) => {
    const found = logs.find((line) => pattern.test(line))
    if (found !== undefined) return resolve(found)
    const push = logs.push.bind(logs)
    logs.push = (...lines: string[]) => {
      const count = push(...lines)
      const match = lines.find((line) => pattern.test(line))
      if (match !== undefined) resolve(match)
      return count
    }
  })
}

t.test('a client that aborts a proxied upload mid-file is logged at info, and nothing is left behind', async (t) => {
  const { app, logs } = await build(t)
  const { port } = new URL(await listen(app))
  const boundary = 'abort-boundary'
  const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}`
  const start = part('Content-Disposition: form-data; name="token"', `${API_TOKEN}\r\n`) +
    part('Content-Disposition: form-data; name="file"; filename="render.mp3"\r\nContent-Type: audio/mpeg', '')
  const socket = net.connect(Number(port), '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  const interrupted = logLine(logs, /interrupted by the client|closed the connection|"level":[56]0/)
  socket.write(`POST /api/v1/upload/audio HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
    `Content-Length: ${mp3.length * 4}\r\n\r\n${start}`)
  // Half the file, then the client goes away.
  await new Promise<void>((resolve) => socket.write(mp3.subarray(0, mp3.length / 2), () => resolve()))
  socket.destroy()

  const line = await interrupted
  t.comment(JSON.parse(line).msg)
  t.equal(levelOf(line), 30, 'logged at info')
  t.same(errorLines(logs), [], 'no error-level line')
  t.same(await listStoredKeys(app), [], 'no object in storage')
  t.equal(await app.repository.countDeletions(), 0, 'nothing left to delete')
  t.equal(await countRenderRecords(app), 0, 'no render record')
})

t.test('a client that goes away before the file is logged at info too', async (t) => {
  const { app, logs } = await build(t)
  const { port } = new URL(await listen(app))
  const socket = net.connect(Number(port), '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  const closed = logLine(logs, /interrupted by the client|closed the connection|"level":[56]0/)
  const head = 'POST /api/v1/upload/audio HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n'
  await new Promise<void>((resolve) => socket.write(`${head}--b\r\nContent-Disposition: form-data; name="token"\r\n\r\n${API_TOKEN.slice(0, 8)}`, () => resolve()))
  socket.destroy()

  const line = await closed
  t.match(JSON.parse(line), { level: 30, msg: /closed the connection/ })
  t.same(errorLines(logs), [], 'no error-level line')
  t.same(await listStoredKeys(app), [])
})
