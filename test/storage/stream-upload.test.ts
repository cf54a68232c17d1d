import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { S3Client } from '@aws-sdk/client-s3'
import t, { type Test } from 'tap'
import { startEmbeddedS3 } from '../../services/storage/embedded-s3.js'
import { createPartBuffers, type PartBuffers } from '../../services/storage/part-buffers.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'
import { uploadStream } from '../../services/storage/stream-upload.js'

const MiB = 1024 * 1024

async function storageOnEmbeddedServer (t: Test) {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-upload-'))
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: 'dev/renders/' })
  const storage = createS3Storage({
    endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey,
    bucket: 'renders', forcePathStyle: true, acl: 'public-read'
  })
  const client = new S3Client({
    endpoint: s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED'
  })
  t.teardown(async () => { client.destroy(); await storage.close(); await s3.close(); fs.rmSync(directory, { recursive: true, force: true }) })
  return Object.assign(storage, { client })
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

/** A pool that records every buffer it hands out, and fails the test if one is handed to two holders at once. */
function watchedBuffers (t: Test, pool: PartBuffers) {
  const held = new Set<Buffer>()
  const distinct = new Set<Buffer>()
  const buffers: PartBuffers = {
    partSize: pool.partSize,
    take () {
      const buffer = pool.take()
      t.notOk(held.has(buffer), 'a buffer is never handed out while another upload holds it')
      held.add(buffer)
      distinct.add(buffer)
      return buffer
    },
    give (buffer) {
      held.delete(buffer)
      pool.give(buffer)
    }
  }
  return { buffers, distinct, held }
}

t.test('part buffers: two uploads at once hold their own; the next upload reuses them instead of allocating', async (t) => {
  const storage = await storageOnEmbeddedServer(t)
  const { buffers, distinct, held } = watchedBuffers(t, createPartBuffers(5 * MiB, 3))
  const limits = { buffers, partsInFlight: 2 }
  const sources = [crypto.randomBytes(16 * MiB + 1), crypto.randomBytes(11 * MiB + 7), crypto.randomBytes(13 * MiB)]
  const upload = (index: number) => uploadStream(storage.client, { Bucket: 'renders', Key: `dev/renders/${index}.mp3`, ContentType: 'audio/mpeg' }, chunked(sources[index]), limits)

  await Promise.all([upload(0), upload(1)])
  const allocatedByTwo = distinct.size
  t.ok(allocatedByTwo > 3 && allocatedByTwo <= 6, `two uploads at once: ${allocatedByTwo} buffers, at most (2 in flight + 1 filling) each`)
  t.equal(held.size, 0, 'every buffer was given back')
  await upload(2)
  t.equal(distinct.size, allocatedByTwo, 'the third upload took only buffers given back: none allocated')
  for (const [index, bytes] of sources.entries()) {
    t.ok((await storage.getRange(`dev/renders/${index}.mp3`, 0, bytes.length - 1)).equals(bytes), `object ${index} equals its stream: no buffer was overwritten while its part was in flight`)
  }
})
