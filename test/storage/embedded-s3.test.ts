import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { loadConfig } from '../../config.js'
import { createStorage } from '../../services/storage/create-storage.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'

async function embeddedStorage (t: Test, overrides: Record<string, unknown> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-storage-'))
  const storage = await createStorage(loadConfig({ fromEnvironment: false, overrides: { DATA_DIR: dataDir, EMBEDDED_S3_PORT: 0, ...overrides } }))
  t.teardown(async () => { await storage.close(); fs.rmSync(dataDir, { recursive: true, force: true }) })
  return storage
}

t.test('the embedded server refuses unsigned writes and deletes', async (t) => {
  const storage = await embeddedStorage(t)
  const key = 'dev/renders/unsigned.mp3'
  const url = storage.publicUrl(key)

  const put = await fetch(url, { method: 'PUT', body: 'sneaky', headers: { 'content-type': 'audio/mpeg' } })
  t.equal(put.status, 403)
  t.match(await put.text(), /<Code>AccessDenied<\/Code>/)
  t.equal(await storage.headObject(key), null, 'nothing was written')

  await storage.putObject(key, Buffer.from('signed bytes'), { contentType: 'audio/mpeg' })
  const del = await fetch(url, { method: 'DELETE' })
  t.equal(del.status, 403)
  t.ok(await storage.headObject(key), 'still there after an unsigned DELETE')

  const post = await fetch(`${url.slice(0, url.indexOf('/dev/'))}?delete`, { method: 'POST', body: '<Delete/>' })
  t.equal(post.status, 403, 'an unsigned DeleteObjects is refused too')

  const read = await fetch(url)
  t.equal(read.status, 200, 'public renders may be read unsigned')
  t.equal(await read.text(), 'signed bytes')
})

t.test('a private embedded bucket refuses unsigned reads', async (t) => {
  const storage = await embeddedStorage(t, { RENDER_ACL: 'private' })
  const key = 'dev/renders/private.mp3'
  await storage.putObject(key, Buffer.from('secret'), { contentType: 'audio/mpeg' })
  t.equal((await fetch(storage.publicUrl(key))).status, 403)
  const signed = await storage.presignGet(key, 60)
  t.equal(await (await fetch(signed.url)).text(), 'secret')
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
