import type { AppConfig } from '../../config.js'
import { NotMp3Error } from '../audio/inspect-mp3.js'
import { conflict, notFound, payloadTooLarge, unprocessable } from '../errors.js'
import type { RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { DeletionQueue } from '../deletion/deletion-queue.js'
import type { RenderAttacher } from '../renders/attach-render.js'
import { renderKey } from '../renders/render-keys.js'
import { verifyStoredMp3 } from './verify-stored-mp3.js'
import { monotonicNow } from '../clock.js'
import { newId } from '../ids.js'

interface Deps {
  repository: Repository
  storage: ObjectStorage
  deletionQueue: DeletionQueue
  renderAttacher: RenderAttacher
  config: Pick<AppConfig, 'ENV' | 'MAX_UPLOAD_BYTES' | 'UPLOAD_URL_TTL_SECONDS'>
}

export interface UploadRequest {
  format: string
  size_bytes: number
  content_type: string
  message_id?: string
  duration?: number
  bitrate?: number
}

/**
 * Direct uploads: we sign a PUT bound to one server-made key, one content type and one size;
 * the client uploads straight to storage; `complete` verifies the object before it becomes a render.
 */
export function createDirectUploads (deps: Deps) {
  const { repository, storage, deletionQueue, renderAttacher, config } = deps

  async function start (request: UploadRequest) {
    if (request.size_bytes > config.MAX_UPLOAD_BYTES) throw payloadTooLarge(config.MAX_UPLOAD_BYTES)
    if (request.message_id !== undefined && await repository.findMessage(request.message_id) === null) throw notFound('Message')
    const id = newId()
    const key = renderKey(config.ENV, id)
    const upload = await storage.presignPut(key, {
      contentType: request.content_type,
      contentLength: request.size_bytes,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS
    })
    await repository.insertRenderRecord({
      id,
      key,
      status: 'pending',
      format: request.format,
      content_type: request.content_type,
      declared_size: request.size_bytes,
      size_bytes: null,
      bitrate: request.bitrate ?? null,
      duration: request.duration ?? null,
      message_id: request.message_id ?? null,
      expires_at: upload.expiresAt.toISOString(),
      created_at: monotonicNow()
    })
    return {
      render_id: id,
      key,
      upload: { method: 'PUT' as const, url: upload.url, headers: lowerCaseKeys(upload.headers), expires_at: upload.expiresAt.toISOString() }
    }
  }

  /** Refuses the object: its key is queued for deletion with the record's removal, then deleted. */
  async function refuse (record: RenderRecord, reason: string): Promise<never> {
    await repository.discardRenderRecord(record.id, new Date().toISOString())
    await deletionQueue.deleteQueued([record.key]).catch(() => {})
    throw unprocessable(reason)
  }

  async function verify (record: RenderRecord) {
    const head = await storage.headObject(record.key)
    if (head === null) throw conflict('The file has not been uploaded yet: PUT it to the upload URL, then complete')
    if (head.size !== record.declared_size) {
      return refuse(record, `The uploaded file has ${head.size} bytes, not the declared ${record.declared_size}`)
    }
    try {
      return { size: head.size, audio: await verifyStoredMp3(storage, record.key, head.size) }
    } catch (err) {
      if (err instanceof NotMp3Error) return refuse(record, `The uploaded file is not an MP3: ${err.message}`)
      throw err
    }
  }

  /** Idempotent: repeated or concurrent completes return the same render and attach it once. */
  async function complete (renderId: string, messageId: string | undefined): Promise<RenderRecord> {
    let record = await repository.findRenderRecord(renderId)
    if (record === null) throw notFound('Upload')
    if (messageId !== undefined && record.message_id !== null && record.message_id !== messageId) {
      throw conflict('This upload belongs to another message')
    }
    if (record.status === 'pending') {
      const { size, audio } = await verify(record)
      const targetMessage = messageId ?? record.message_id
      if (targetMessage !== null && await repository.findMessage(targetMessage) === null) throw notFound('Message')
      record = await repository.markRenderReady(renderId, {
        size_bytes: size,
        bitrate: record.bitrate ?? audio.bitrate,
        duration: record.duration ?? audio.duration,
        message_id: targetMessage
      }) ?? await repository.findRenderRecord(renderId)
      if (record === null) throw notFound('Upload')
    }
    const target = messageId ?? record.message_id
    if (target !== null) {
      await renderAttacher.attach(target, { id: record.id, url: storage.publicUrl(record.key) })
    }
    return await repository.findRenderRecord(renderId) ?? record
  }

  return { start, complete }
}

export type DirectUploads = ReturnType<typeof createDirectUploads>

function lowerCaseKeys (headers: Record<string, string>) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}
