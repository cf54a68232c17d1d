import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { startEmbeddedS3 } from '../../services/storage/embedded-s3.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'

const MiB = 1024 * 1024

async function storageOnEmbeddedServer (t: Test) {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-upload-'))
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: 'dev/renders/' })
  const storage = createS3Storage({
    endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey,
    bucket: 'renders', forcePathStyle: true, acl: 'public-read'
  })
  t.teardown(async () => { await storage.close(); await s3.close(); fs.rmSync(directory, { recursive: true, force: true }) })
  return storage
}

/** The bytes in 64 KiB chunks, as a request stream delivers them; fails after `failAfter` bytes when given. */
function chunked (bytes: Buffer, failAfter?: number) {
  return Readable.from((function * () {
    for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
      if (failAfter !== undefined && offset >= failAfter) throw new Error('client went away')
      yield bytes.subarray(offset, offset + 64 * 1024)
    }
  })())
}

t.test('a stream larger than a part is stored whole, in parts, byte for byte', async (t) => {
  const storage = await storageOnEmbeddedServer(t)
  const bytes = crypto.randomBytes(11 * MiB + 12_345)
  const { size } = await storage.putObject('dev/renders/big.mp3', chunked(bytes), { contentType: 'audio/mpeg' })
  t.equal(size, bytes.length)
  t.match(await storage.headObject('dev/renders/big.mp3'), { size: bytes.length, contentType: 'audio/mpeg' })
  const stored = Buffer.from(await (await fetch(storage.publicUrl('dev/renders/big.mp3'))).arrayBuffer())
  t.ok(stored.equals(bytes), 'the stored object equals the stream, across part boundaries')
})

t.test('a stream smaller than a part is one PUT; an empty stream stores an empty object', async (t) => {
  const storage = await storageOnEmbeddedServer(t)
  const bytes = crypto.randomBytes(300_000)
  t.same(await storage.putObject('dev/renders/small.mp3', chunked(bytes), { contentType: 'audio/mpeg' }), { size: bytes.length })
  t.ok((await storage.getRange('dev/renders/small.mp3', 0, bytes.length - 1)).equals(bytes))
  t.same(await storage.putObject('dev/renders/empty.mp3', Readable.from([]), { contentType: 'audio/mpeg' }), { size: 0 })
  t.match(await storage.headObject('dev/renders/empty.mp3'), { size: 0 })
})

t.test('a source that fails after some parts were sent rejects and leaves no object', async (t) => {
  const storage = await storageOnEmbeddedServer(t)
  const bytes = crypto.randomBytes(12 * MiB)
  await t.rejects(storage.putObject('dev/renders/cut.mp3', chunked(bytes, 11 * MiB), { contentType: 'audio/mpeg' }), /ended before the file was complete/, 'the source\'s failure is reported as an interrupted upload')
  t.equal(await storage.headObject('dev/renders/cut.mp3'), null)
})
