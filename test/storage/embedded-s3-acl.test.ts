import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { startEmbeddedS3 } from '../../services/storage/embedded-s3.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'

/** The embedded server over a directory that outlives it, with a client whose default ACL is public-read. */
async function start (t: Test, directory: string) {
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: 'dev/renders/' })
  const storage = createS3Storage({
    endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, bucket: 'renders', forcePathStyle: true, acl: 'public-read'
  })
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= storage.close().then(() => s3.close()))
  t.teardown(stop)
  return { storage, stop }
}

async function bare (url: string, init: RequestInit = {}) {
  const res = await fetch(url, init)
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) }
}

t.test('object ACLs decide unsigned reads: put, copy, multipart, PutObjectAcl', async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-acl-'))
  t.teardown(() => fs.rmSync(directory, { recursive: true, force: true }))
  const { storage } = await start(t, directory)
  const body = Buffer.from('ID3 not really audio')
  const key = 'dev/renders/a.mp3'

  await storage.putObject(key, body, { contentType: 'audio/mpeg' })
  t.equal((await bare(storage.publicUrl(key))).status, 200, 'public-read')
  t.equal(await storage.setObjectAcl(key, 'private'), true)
  t.equal((await bare(storage.publicUrl(key))).status, 403, 'private: the bare URL is refused')
  t.equal((await bare(storage.publicUrl(key), { method: 'HEAD' })).status, 403, 'HEAD too')
  const signed = await bare((await storage.presignGet(key, 60)).url)
  t.equal(signed.status, 200)
  t.ok(signed.body.equals(body), 'the signed GET plays it')
  t.equal(await storage.setObjectAcl(key, 'public-read'), true)
  t.equal((await bare(storage.publicUrl(key))).status, 200, 'public again')
  t.equal(await storage.setObjectAcl('dev/renders/missing.mp3', 'private'), false, 'no object, no ACL')

  const unsigned = await bare(`${storage.publicUrl(key)}?acl`, { method: 'PUT', headers: { 'x-amz-acl': 'private' } })
  t.equal(unsigned.status, 403, 'an unsigned PutObjectAcl is refused')
  t.equal((await bare(storage.publicUrl(key))).status, 200, 'and changes nothing')

  await storage.copyObject(key, 'dev/renders/copy.mp3', { contentType: 'audio/mpeg', acl: 'private' })
  t.equal((await bare(storage.publicUrl('dev/renders/copy.mp3'))).status, 403, 'a copy gets its own ACL')
  await storage.putObject('dev/renders/private.mp3', body, { contentType: 'audio/mpeg', acl: 'private' })
  t.equal((await bare(storage.publicUrl('dev/renders/private.mp3'))).status, 403)

  const large = Buffer.alloc(6 * 1024 * 1024, 1)
  await storage.putObject('dev/renders/multipart.mp3', Readable.from([large]), { contentType: 'audio/mpeg', acl: 'private' })
  t.equal((await bare(storage.publicUrl('dev/renders/multipart.mp3'))).status, 403, 'a multipart upload gets the ACL it was started with')
  await storage.putObject('dev/renders/multipart-public.mp3', Readable.from([large]), { contentType: 'audio/mpeg' })
  t.equal((await bare(storage.publicUrl('dev/renders/multipart-public.mp3'))).status, 200)

  t.same((await storage.listObjects('dev/renders/')).objects.map((object) => object.key).sort(),
    ['dev/renders/a.mp3', 'dev/renders/copy.mp3', 'dev/renders/multipart-public.mp3', 'dev/renders/multipart.mp3', 'dev/renders/private.mp3'],
    'the ACL file is no object and no bucket')
})

t.test('ACLs outlive a restart', async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-acl-'))
  t.teardown(() => fs.rmSync(directory, { recursive: true, force: true }))
  const first = await start(t, directory)
  await first.storage.putObject('dev/renders/p.mp3', Buffer.from('x'), { contentType: 'audio/mpeg', acl: 'private' })
  await first.storage.putObject('dev/renders/q.mp3', Buffer.from('y'), { contentType: 'audio/mpeg' })
  await first.stop()

  const second = await start(t, directory)
  t.equal((await bare(second.storage.publicUrl('dev/renders/p.mp3'))).status, 403)
  t.equal((await bare(second.storage.publicUrl('dev/renders/q.mp3'))).status, 200)
})
