import type { AppConfig } from '../../config.js'
import { NotMp3Error } from '../audio/inspect-mp3.js'
import { conflict, notFound, payloadTooLarge, renderDeleted, unprocessable } from '../errors.js'
import type { RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { DeletionQueue } from '../deletion/deletion-queue.js'
import type { RenderAttacher } from '../renders/attach-render.js'
import { renderKey, uploadKey } from '../renders/render-keys.js'
import { deletingFields, newRenderRecord } from '../renders/render-record.js'
import { verifyStoredMp3 } from './verify-stored-mp3.js'
import { monotonicNow } from '../clock.js'
import { newId } from '../ids.js'

interface Deps {
  repository: Repository
  storage: ObjectStorage
  deletionQueue: DeletionQueue
  renderAttacher: RenderAttacher
  config: Pick<AppConfig, 'ENV' | 'MAX_UPLOAD_BYTES' | 'UPLOAD_URL_TTL_SECONDS'>
  clock?: () => Date
  /** Called once per upload, by the request whose write made it ready. */
  onVerified?: (record: RenderRecord) => void
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
 * Direct uploads: we sign a PUT bound to one staging key, one content type and one size; the client
 * uploads straight to storage; `complete` copies the staging object server-side to the render's own
 * key and verifies that copy. No URL we issued can write the render's key, so the verified bytes
 * never change.
 */
export function createDirectUploads ({ repository, storage, deletionQueue, renderAttacher, config, clock = () => new Date(), onVerified = () => {} }: Deps) {
  const now = () => clock().toISOString()
  /** Completes already running in this process, shared by concurrent requests for the same upload. */
  const completing = new Map<string, Promise<RenderRecord>>()

  async function start (request: UploadRequest, uploadedBy: string | null = null) {
    if (request.size_bytes > config.MAX_UPLOAD_BYTES) throw payloadTooLarge(config.MAX_UPLOAD_BYTES)
    if (request.message_id !== undefined && await repository.findMessage(request.message_id) === null) throw notFound('Message')
    const id = newId()
    const upload = await storage.presignPut(uploadKey(config.ENV, id), {
      contentType: request.content_type,
      contentLength: request.size_bytes,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS
    })
    const createdAt = monotonicNow()
    await repository.insertRender(newRenderRecord({
      id,
      key: renderKey(config.ENV, id),
      upload_key: uploadKey(config.ENV, id),
      state: 'pending',
      format: request.format,
      content_type: request.content_type,
      declared_size: request.size_bytes,
      bitrate: request.bitrate ?? null,
      duration: request.duration ?? null,
      message_id: request.message_id ?? null,
      expires_at: upload.expiresAt.toISOString(),
      created_at: createdAt,
      uploaded_by: uploadedBy
    }))
    return {
      render_id: id,
      key: renderKey(config.ENV, id),
      upload: { method: 'PUT' as const, url: upload.url, headers: lowerCaseKeys(upload.headers), expires_at: upload.expiresAt.toISOString() }
    }
  }

  /** Hands the upload to the deletion worker (both objects go) and refuses it. */
  async function refuse (record: RenderRecord, reason: string): Promise<never> {
    if (await repository.updateRenderIf(record.id, { state: ['verifying'] }, deletingFields(now())) !== null) {
      await deletionQueue.deleteRecords([record.id]).catch(() => {})
    }
    throw unprocessable(reason)
  }

  /** verifying → ready with the measured fields; the copy it verified is the render's object. */
  async function verifyAndPromote (record: RenderRecord): Promise<RenderRecord> {
    const copied = await storage.copyObject(record.upload_key!, record.key, { contentType: record.content_type })
    if (!copied) {
      await repository.updateRenderIf(record.id, { state: ['verifying'] }, { state: 'pending', updated_at: now() })
      throw conflict('The file has not been uploaded yet: PUT it to the upload URL, then complete')
    }
    const head = await storage.headObject(record.key)
    if (head === null) throw conflict('The uploaded file could not be read back; complete again')
    if (head.size !== record.declared_size) return refuse(record, `The uploaded file has ${head.size} bytes, not the declared ${record.declared_size}`)
    let audio
    try {
      audio = await verifyStoredMp3(storage, record.key, head.size)
    } catch (err) {
      if (err instanceof NotMp3Error) return refuse(record, `The uploaded file is not an MP3: ${err.message}`)
      throw err
    }
    const ready = await repository.updateRenderIf(record.id, { state: ['verifying'] }, {
      state: 'ready',
      size_bytes: head.size,
      bitrate: record.bitrate ?? audio.bitrate,
      duration: record.duration ?? audio.duration,
      message_id: null,
      updated_at: now()
    })
    // Lost only to the sweeper expiring the upload meanwhile: the worker deletes both objects.
    if (ready === null) throw renderDeleted()
    onVerified(ready)
    await storage.deleteObjects([record.upload_key!]).catch(() => {})
    return ready
  }

  /** pending → verifying is the claim: one request verifies; the others see its outcome. */
  async function verifyOnce (record: RenderRecord): Promise<RenderRecord> {
    const claimed = await repository.updateRenderIf(record.id, { state: ['pending'] }, { state: 'verifying', updated_at: now() })
    if (claimed === null) {
      const current = await repository.findRender(record.id)
      if (current === null || current.state === 'deleting') throw renderDeleted()
      if (current.state === 'pending' || current.state === 'verifying') throw conflict('This upload is being completed by another request; try again')
      return current
    }
    try {
      return await verifyAndPromote(claimed)
    } catch (err) {
      // A storage error mid-way leaves the upload to be completed again.
      await repository.updateRenderIf(record.id, { state: ['verifying'] }, { state: 'pending', updated_at: now() })
      throw err
    }
  }

  async function complete (renderId: string, messageId: string | undefined): Promise<RenderRecord> {
    let record = await repository.findRender(renderId)
    if (record === null) throw notFound('Upload')
    const intended = record.state === 'pending' || record.state === 'verifying' ? record.message_id : null
    if (messageId !== undefined && intended !== null && intended !== messageId) throw conflict('This upload belongs to another message')
    if (record.state === 'attaching' || record.state === 'attached') {
      if (messageId !== undefined && record.message_id !== messageId) throw conflict('This render is attached to another message')
      return record
    }
    if (record.state === 'deleting') throw renderDeleted()
    const target = messageId ?? intended
    if (record.state === 'pending' || record.state === 'verifying') {
      if (target !== null && await repository.findMessage(target) === null) throw notFound('Message')
      let running = completing.get(renderId)
      if (running === undefined) {
        const pending = record
        running = verifyOnce(pending).finally(() => completing.delete(renderId))
        completing.set(renderId, running)
      }
      record = await running
    }
    if (target !== null) {
      await renderAttacher.attachRecord(target, record)
      return await repository.findRender(renderId) ?? record
    }
    return record
  }

  return { start, complete }
}

export type DirectUploads = ReturnType<typeof createDirectUploads>

function lowerCaseKeys (headers: Record<string, string>) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}
