import type { Readable } from 'node:stream'
import type { PartBuffers } from './part-buffers.js'
import { collectYoungGeneration } from './young-generation.js'
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand,
  UploadPartCommand, type CompletedPart, type S3Client
} from '@aws-sdk/client-s3'

export interface StreamUploadTarget {
  Bucket: string
  Key: string
  ContentType: string
  ACL?: 'public-read'
}

export interface StreamUploadLimits {
  /** Where part buffers come from and go back to (S3's minimum part is 5 MiB for every part but the last). */
  buffers: PartBuffers
  /** Parts sent at once; one more buffer fills from the source meanwhile. */
  partsInFlight: number
}

/**
 * Streams a body of unknown length to S3: one PutObject when it fits in one part, otherwise a
 * multipart upload. Parts are copied into partsInFlight + 1 buffers taken from a shared pool and
 * given back once sent, so memory stays at that pool whatever the size. (@aws-sdk/lib-storage's
 * Upload concatenates every part into a new buffer that outlives its upload, and those wait for a
 * full GC: 11 MiB more peak RSS in `npm run bench`.) A failure aborts the multipart upload; the
 * buffers of parts that failed are not given back, in case a request still holds them.
 */
export async function uploadStream (client: S3Client, target: StreamUploadTarget, source: Readable, limits: StreamUploadLimits): Promise<{ size: number }> {
  const { buffers, partsInFlight } = limits
  const partSize = buffers.partSize
  const spare: Buffer[] = []
  const inFlight = new Set<Promise<void>>()
  const parts: CompletedPart[] = []
  let current: Buffer = buffers.take()
  let filled = 0
  let size = 0
  let uploadId: string | undefined
  let partCount = 0
  /** Set while the whole body goes as one PutObject from `current`. */
  let currentSent = false

  async function sendPart () {
    collectYoungGeneration()
    uploadId ??= (await client.send(new CreateMultipartUploadCommand(target))).UploadId
    const buffer = current
    const partNumber = ++partCount
    const sent = client.send(new UploadPartCommand({
      Bucket: target.Bucket, Key: target.Key, UploadId: uploadId, PartNumber: partNumber, Body: buffer.subarray(0, filled), ContentLength: filled
    })).then(({ ETag }) => {
      parts.push({ PartNumber: partNumber, ETag })
      inFlight.delete(sent)
      spare.push(buffer)
    })
    // A failed part stays in the set: the next race or the final wait rethrows its error.
    sent.catch(() => {})
    inFlight.add(sent)
    current = spare.pop() ?? buffers.take()
    filled = 0
    if (inFlight.size >= partsInFlight) await Promise.race(inFlight)
  }

  /** The buffers no request holds: those whose part was sent, and the one filling unless it was sent whole. */
  function giveBack () {
    for (const buffer of currentSent ? spare : [current, ...spare]) buffers.give(buffer)
  }

  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length
      for (let offset = 0; offset < chunk.length;) {
        const copied = chunk.copy(current, filled, offset)
        filled += copied
        offset += copied
        if (filled === partSize) await sendPart()
      }
    }
    if (uploadId === undefined) {
      currentSent = true
      await client.send(new PutObjectCommand({ ...target, Body: current.subarray(0, filled), ContentLength: filled }))
      buffers.give(current)
      return { size }
    }
    if (filled > 0) await sendPart()
    await Promise.all(inFlight)
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!)
    await client.send(new CompleteMultipartUploadCommand({
      Bucket: target.Bucket, Key: target.Key, UploadId: uploadId, MultipartUpload: { Parts: parts }
    }))
    giveBack()
    return { size }
  } catch (err) {
    await Promise.allSettled(inFlight)
    giveBack()
    if (uploadId !== undefined) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: target.Bucket, Key: target.Key, UploadId: uploadId })).catch(() => {})
    }
    throw err
  }
}
