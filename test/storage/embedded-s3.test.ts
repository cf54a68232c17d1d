import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { loadConfig } from '../../config.js'
import { createStorage } from '../../services/storage/create-storage.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'
import type { ObjectStorage } from '../../services/storage/types.js'
import { cutOffPut } from '../support/cut-off-put.js'

async function embeddedStorage (t: Test, overrides: Record<string, unknown> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-storage-'))
  const storage = await createStorage(loadConfig({ fromEnvironment: false, overrides: { DATA_DIR: dataDir, EMBEDDED_S3_PORT: 0, ...overrides } }))
  t.teardown(async () => { await storage.close(); fs.rmSync(dataDir, { recursive: true, force: true }) })
  return storage
}

/** A raw HTTP request, so paths, Host headers and methods reach the server exactly as written (fetch normalises them). */
async function raw (endpoint: string, method: string, requestPath: string, headers: Record<string, string> = {}, body?: string) {
  const { hostname, port } = new URL(endpoint)
  return new Promise<{ status: number, body: string, headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const request = http.request({ hostname, port, method, path: requestPath, headers, agent: false }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => resolve({ status: response.statusCode!, body: text, headers: response.headers }))
    })
    request.on('error', reject)
    request.end(body)
  })
}

const endpointOf = (storage: ObjectStorage) => new URL(storage.publicUrl('')).origin

t.test('unsigned requests: only GET/HEAD of objects under the public renders prefix pass', async (t) => {
  const storage = await embeddedStorage(t)
  const endpoint = endpointOf(storage)
  const render = 'dev/renders/public.mp3'
  const staged = 'dev/uploads/staged.mp3'
  await storage.putObject(render, Buffer.from('render bytes'), { contentType: 'audio/mpeg' })
  await storage.putObject(staged, Buffer.from('staged bytes'), { contentType: 'audio/mpeg' })

  const refused: Array<[string, string, Record<string, string>?]> = [
    ['GET', '/'], // ListBuckets
    ['GET', '/renders'], // ListObjects
    ['GET', '/renders/'],
    ['GET', '/renders?prefix=dev/renders/'],
    ['GET', '/renders?list-type=2'],
    ['GET', '/renders?cors'],
    ['GET', '/renders?acl'],
    ['HEAD', '/renders'],
    ['GET', `/renders/${render}?acl`], // an object subresource, not the object
    ['GET', `/renders/${render}?response-content-type=text/html`],
    ['GET', `/renders/${staged}`], // staged uploads are not public
    ['HEAD', `/renders/${staged}`],
    ['GET', '/renders/dev/renders/../uploads/staged.mp3'],
    ['GET', '/renders/dev/renders/%2e%2e/uploads/staged.mp3'],
    ['GET', '/renders/dev/renders/x.mp3#?X-Amz-Algorithm=x'],
    ['GET', '/renders?X-Amz-Signature=forged'], // a marker s3rver does not treat as a signature
    ['GET', '/', { host: 'renders' }], // s3rver would read this as a virtual-hosted ListObjects
    ['GET', `/${render}`, { host: 'renders.s3.amazonaws.com' }],
    ['OPTIONS', `/renders/${render}`], // not a preflight: no Origin
    ['DELETE', `/renders/${render}`],
    ['PUT', `/renders/${render}`, { 'content-type': 'audio/mpeg' }],
    ['PUT', '/renders?cors'],
    ['POST', '/renders?delete']
  ]
  for (const [method, requestPath, headers] of refused) {
    const res = await raw(endpoint, method, requestPath, headers, method === 'PUT' || method === 'POST' ? 'sneaky' : undefined)
    t.equal(res.status, 403, `${method} ${requestPath} ${JSON.stringify(headers ?? {})}`)
    if (method !== 'HEAD') t.match(res.body, /<Error><Code>AccessDenied<\/Code>/, 'in S3\'s XML error shape')
  }
  t.equal((await storage.headObject(render))?.size, 12, 'the render is untouched')
  t.equal(await (await fetch(storage.publicUrl(render))).text(), 'render bytes', 'a public render is read unsigned')
  t.equal((await raw(endpoint, 'HEAD', `/renders/${render}`)).status, 200, 'and HEAD passes too')
  t.equal((await raw(endpoint, 'GET', '/renders/dev/renders/missing.mp3')).status, 404, 'a missing public key is S3\'s 404')
})

t.test('signed requests still reach s3rver, which verifies them', async (t) => {
  const storage = await embeddedStorage(t)
  const endpoint = endpointOf(storage)
  const key = 'dev/uploads/presigned.mp3'
  const upload = await storage.presignPut(key, { contentType: 'audio/mpeg', contentLength: 5, expiresInSeconds: 60 })
  t.equal((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'bytes' })).status, 200, 'a presigned PUT under the uploads prefix')
  t.match(await storage.headObject(key), { size: 5, contentType: 'audio/mpeg' }, 'SDK calls are signed')
  t.same((await storage.listObjects('dev/')).objects.map((object) => object.key), [key])

  const forged = new URL(upload.url)
  forged.searchParams.set('X-Amz-Signature', '0'.repeat(64))
  const res = await fetch(forged, { method: 'PUT', headers: upload.headers, body: 'forge' })
  t.equal(res.status, 403)
  t.match(await res.text(), /SignatureDoesNotMatch/)
  const garbage = await raw(endpoint, 'GET', '/renders', { authorization: 'Bearer nothing-s3-knows' })
  t.equal(garbage.status, 400, 'an Authorization header s3rver cannot read is refused by s3rver')
})

t.test('a browser\'s CORS preflight passes unsigned', async (t) => {
  const storage = await embeddedStorage(t, { CORS_ORIGINS: 'https://app.example.com' })
  const res = await raw(endpointOf(storage), 'OPTIONS', '/renders/dev/uploads/x.mp3?X-Amz-Expires=60', {
    origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-amz-acl'
  })
  t.equal(res.status, 200)
  t.match(res.headers['access-control-allow-methods'], /PUT/)
  const other = await raw(endpointOf(storage), 'OPTIONS', '/renders/dev/uploads/x.mp3', {
    origin: 'https://evil.example.com', 'access-control-request-method': 'PUT'
  })
  t.equal(other.status, 403, 'an origin outside CORS_ORIGINS is refused by the bucket\'s rules')
  t.match(other.body, /CORSResponse/)
})

t.test('a private embedded bucket refuses every unsigned request but preflights', async (t) => {
  const storage = await embeddedStorage(t, { RENDER_ACL: 'private' })
  const key = 'dev/renders/private.mp3'
  await storage.putObject(key, Buffer.from('secret'), { contentType: 'audio/mpeg' })
  t.equal((await fetch(storage.publicUrl(key))).status, 403)
  t.equal((await raw(endpointOf(storage), 'HEAD', `/renders/${key}`)).status, 403)
  const signed = await storage.presignGet(key, 60)
  t.equal(await (await fetch(signed.url)).text(), 'secret')
})

t.test('a source stream that fails is the client\'s problem, not storage\'s, and nothing is stored', async (t) => {
  const storage = await embeddedStorage(t)
  const failing = (err: Error) => new Readable({
    read () {
      this.push(Buffer.alloc(1024))
      this.destroy(err)
    }
  })
  await t.rejects(storage.putObject('dev/renders/cut.mp3', failing(new Error('aborted')), { contentType: 'audio/mpeg' }),
    { name: 'UploadInterruptedError', statusCode: 400, code: 'UPLOAD_INTERRUPTED' })
  const tooLarge = Object.assign(new Error('request file too large'), { statusCode: 413 })
  await t.rejects(storage.putObject('dev/renders/big.mp3', failing(tooLarge), { contentType: 'audio/mpeg' }), tooLarge,
    'a failure that already has its 4xx keeps it')
  t.same((await storage.listObjects('dev/')).objects, [])
})

t.test('objects: put streams, head, ranged get, list pages, batch delete', async (t) => {
  const storage = await embeddedStorage(t)
  const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256))
  const { size } = await storage.putObject('dev/renders/a.mp3', body, { contentType: 'audio/mpeg' })
  t.equal(size, 1000)
  t.match(await storage.headObject('dev/renders/a.mp3'), { size: 1000, contentType: 'audio/mpeg', etag: /^"[0-9a-f]{32}"$/ })
  t.ok((await storage.getRange('dev/renders/a.mp3', 10, 19)).equals(body.subarray(10, 20)))
  t.equal(await storage.headObject('dev/renders/missing.mp3'), null)

  const keys = Array.from({ length: 1005 }, (_, i) => `dev/renders/k${String(i).padStart(4, '0')}.mp3`)
  for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => storage.putObject(key, Buffer.from('x'), { contentType: 'audio/mpeg' })))
  const first = await storage.listObjects('dev/renders/k')
  t.equal(first.objects.length, 1000)
  t.equal(first.isTruncated, true)
  const second = await storage.listObjects('dev/renders/k', first.objects[999].key)
  t.same(second.objects.map((object) => object.key), keys.slice(1000))
  t.equal(second.isTruncated, false)

  const outcome = await storage.deleteObjects([...keys, 'dev/renders/never-existed.mp3'])
  t.equal(outcome.deleted.length, 1006, 'deleting a missing key is not an error, as on S3')
  t.same(outcome.failed, [])
  t.same((await storage.listObjects('dev/renders/k')).objects, [])
})

t.test('a dead endpoint fails fast and deletions report failure instead of throwing', async (t) => {
  const storage = createS3Storage({
    endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's', bucket: 'renders', forcePathStyle: true, acl: 'public-read'
  })
  t.teardown(() => storage.close())
  const started = Date.now()
  await t.rejects(storage.ping())
  t.ok(Date.now() - started < 10_000, `failed in ${Date.now() - started} ms`)
  const outcome = await storage.deleteObjects(['dev/renders/a.mp3'])
  t.same(outcome.deleted, [])
  t.equal(outcome.failed.length, 1)
})

t.test('public URLs follow the seed\'s Spaces form, and keys come back only from our own URLs', async (t) => {
  const spaces = createS3Storage({
    endpoint: 'https://fra1.digitaloceanspaces.com', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's',
    bucket: 'your-bucket', forcePathStyle: false, acl: 'public-read'
  })
  t.teardown(() => spaces.close())
  const key = 'prod/renders/a1b2c3d4-1234-5678-abcd-ef0123456789.mp3'
  t.equal(spaces.publicUrl(key), `https://your-bucket.fra1.digitaloceanspaces.com/${key}`)
  t.equal(spaces.keyFromUrl(spaces.publicUrl(key)), key)
  t.equal(spaces.keyFromUrl(`https://other.fra1.digitaloceanspaces.com/${key}`), null)
  t.equal(spaces.keyFromUrl('https://your-bucket.fra1.digitaloceanspaces.com/prod/renders/../secret'), null)
  t.equal(spaces.keyFromUrl(`${spaces.publicUrl(key)}?x=1`), null)

  const cdn = createS3Storage({
    endpoint: 'https://fra1.digitaloceanspaces.com', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's',
    bucket: 'your-bucket', forcePathStyle: false, acl: 'public-read', publicBaseUrl: 'https://cdn.example.com/'
  })
  t.teardown(() => cdn.close())
  t.equal(cdn.publicUrl(key), `https://cdn.example.com/${key}`)
  t.equal(cdn.keyFromUrl(`https://cdn.example.com/${key}`), key)

  const signed = new URL((await spaces.presignPut(key, { contentType: 'audio/mpeg', contentLength: 10, expiresInSeconds: 60 })).url)
  t.equal(signed.host, 'your-bucket.fra1.digitaloceanspaces.com', 'virtual-hosted on Spaces')
  t.equal(signed.searchParams.get('X-Amz-Expires'), '60')
})

t.test('a PUT cut off mid-body leaves the object it was replacing, and no other', async (t) => {
  const storage = await embeddedStorage(t)
  const key = 'dev/uploads/replaced.mp3'
  const original = Buffer.from('the whole original object')
  await storage.putObject(key, original, { contentType: 'audio/mpeg' })
  const replacement = Buffer.alloc(64 * 1024, 7)
  const { url, headers } = await storage.presignPut(key, { contentType: 'audio/mpeg', contentLength: replacement.length, expiresInSeconds: 60 })
  await cutOffPut(url, headers, replacement, 1000)
  const { url: readUrl } = await storage.presignGet(key, 60)
  t.same(Buffer.from(await (await fetch(readUrl)).arrayBuffer()), original, 'the original bytes')
  const listed = await storage.listObjects('dev/uploads/')
  t.same(listed.objects.map((object) => object.key), [key], 'nothing else listed')
  t.equal(listed.objects[0].size, original.length)
})

t.test('a presigned PUT carrying an x-amz header it did not sign is refused: no copy of another object through it', async (t) => {
  const storage = await embeddedStorage(t)
  const secret = 'dev/renders/private.mp3'
  await storage.putObject(secret, Buffer.from('private bytes'), { contentType: 'audio/mpeg', acl: 'private' })
  const target = 'dev/uploads/mine.mp3'
  const { url, headers } = await storage.presignPut(target, { contentType: 'audio/mpeg', contentLength: 0, expiresInSeconds: 60 })
  const extras: Array<Record<string, string>> = [{ 'x-amz-copy-source': `/${storage.bucket}/${secret}` }, { 'x-amz-acl': 'public-read' }]
  for (const extra of extras) {
    const res = await fetch(url, { method: 'PUT', headers: { ...headers, ...extra } })
    t.equal(res.status, 403, `${Object.keys(extra)[0]}: refused`)
    t.match(await res.text(), /AccessDenied/)
  }
  t.equal(await storage.headObject(target), null, 'nothing was written')
  t.equal((await fetch(url, { method: 'PUT', headers, body: new Uint8Array(0) })).status, 200, 'the same URL with only its signed headers works')
})

t.test('a write cut off by a crash leaves a file that the next start deletes, once it is surely not being written', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-storage-'))
  const partials = path.join(dataDir, 's3-partial')
  fs.mkdirSync(partials, { recursive: true })
  const stale = path.join(partials, '0b0e.partial')
  const recent = path.join(partials, '1c1f.partial')
  fs.writeFileSync(stale, 'bytes of a write the crash cut off')
  fs.writeFileSync(recent, 'bytes of a write that may still be going on')
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000)
  fs.utimesSync(stale, twoHoursAgo, twoHoursAgo)
  const storage = await createStorage(loadConfig({ fromEnvironment: false, overrides: { DATA_DIR: dataDir, EMBEDDED_S3_PORT: 0 } }))
  t.teardown(async () => { await storage.close(); fs.rmSync(dataDir, { recursive: true, force: true }) })
  t.notOk(fs.existsSync(stale), 'the crashed write\'s file is gone')
  t.ok(fs.existsSync(recent), 'a file written in the last hour is kept')
})
