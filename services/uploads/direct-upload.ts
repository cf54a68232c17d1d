import type { AppConfig } from '../../config.js'
import { AUDIO_FORMATS, type AudioFormat } from '../audio/audio-formats.js'
import { WrongAudioFormatError } from '../audio/inspect-audio.js'
import { badRequest, conflict, notFound, payloadTooLarge, renderDeleted, unprocessable } from '../errors.js'
import type { RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { DeletionQueue } from '../deletion/deletion-queue.js'
import type { RenderAttacher } from '../renders/attach-render.js'
import type { RenderAcl } from '../renders/render-acl.js'
import { renderKey, uploadKey } from '../renders/render-keys.js'
import { INTERRUPTED_AFTER_MS, deletingFields, newRenderRecord } from '../renders/render-record.js'
import { verifyStoredAudio } from './verify-stored-audio.js'
import { monotonicNow } from '../clock.js'
import { newId } from '../ids.js'

interface Deps {
  repository: Repository
  storage: ObjectStorage
  deletionQueue: DeletionQueue
  renderAttacher: RenderAttacher
  renderAcl: RenderAcl
  config: Pick<AppConfig, 'ENV' | 'MAX_UPLOAD_BYTES' | 'UPLOAD_URL_TTL_SECONDS' | 'RENDER_ACL'>
  clock?: () => Date
  /** Called once per upload, by the request whose write made it ready. */
  onVerified?: (record: RenderRecord) => void | Promise<void>
}

export interface UploadRequest {
  format: AudioFormat
  size_bytes: number
  /** Claimed content type (signed into the PUT); the format's own when omitted. */
  content_type?: string
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
export function createDirectUploads ({ repository, storage, deletionQueue, renderAttacher, renderAcl, config, clock = () => new Date(), onVerified = () => {} }: Deps) {
  const now = () => clock().toISOString()
  /** Completes already running in this process, shared by concurrent requests for the same upload. */
  const completing = new Map<string, Promise<RenderRecord>>()

  async function start (request: UploadRequest, uploadedBy: string | null = null) {
    if (request.size_bytes > config.MAX_UPLOAD_BYTES) throw payloadTooLarge(config.MAX_UPLOAD_BYTES)
    const format = AUDIO_FORMATS[request.format]
    const contentType = request.content_type ?? format.contentType
    if (!(format.contentTypes as readonly string[]).includes(contentType)) {
      throw badRequest(`content_type ${contentType} is not one of ${request.format}'s: ${format.contentTypes.join(', ')}`)
    }
    if (request.message_id !== undefined && await repository.findMessage(request.message_id) === null) throw notFound('Message')
    const id = newId()
    const key = renderKey(config.ENV, id, request.format)
    const stagingKey = uploadKey(config.ENV, id, request.format)
    const upload = await storage.presignPut(stagingKey, {
      contentType,
      contentLength: request.size_bytes,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS
    })
    const createdAt = monotonicNow()
    await repository.insertRender(newRenderRecord({
      id,
      key,
      upload_key: stagingKey,
      state: 'pending',
      format: request.format,
      content_type: format.contentType,
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
      key,
      upload: { method: 'PUT' as const, url: upload.url, headers: lowerCaseKeys(upload.headers), expires_at: upload.expiresAt.toISOString() }
    }
  }

  /** The claim `record` holds: verifying since its updated_at (a takeover writes a new one). */
  const ourClaim = (record: RenderRecord) => ({ state: ['verifying' as const], updated_at: record.updated_at })

  /** Hands the upload to the deletion worker (both objects go) and refuses it; a claim lost meanwhile answers with its new holder's outcome. */
  async function refuse (record: RenderRecord, reason: string): Promise<RenderRecord> {
    if (await repository.updateRenderIf(record.id, ourClaim(record), deletingFields(now())) === null) return outcomeOfLostClaim(record.id)
    await deletionQueue.deleteRecords([record.id]).catch(() => {})
    throw unprocessable(reason)
  }

  /**
   * verifying → ready with the measured fields; the copy it verified is the render's object. The
   * copy gets the ACL of the thread it is completed for, so a private thread's render is never public.
   */
  async function verifyAndPromote (record: RenderRecord, target: string | null): Promise<RenderRecord> {
    const acl = target === null ? config.RENDER_ACL : renderAcl.aclForThread(await renderAcl.threadOfMessage(target))
    const copied = await storage.copyObject(record.upload_key!, record.key, { contentType: record.content_type, acl })
    if (!copied) {
      const given = await repository.updateRenderIf(record.id, ourClaim(record), { state: 'pending', updated_at: now() })
      if (given === null) return outcomeOfLostClaim(record.id)
      throw conflict('The file has not been uploaded yet: PUT it to the upload URL, then complete')
    }
    const head = await storage.headObject(record.key)
    if (head === null) throw conflict('The uploaded file could not be read back; complete again')
    if (head.size !== record.declared_size) return refuse(record, `The uploaded file has ${head.size} bytes, not the declared ${record.declared_size}`)
    const format = record.format as AudioFormat
    let audio
    try {
      audio = await verifyStoredAudio(storage, record.key, head.size, format)
    } catch (err) {
      if (err instanceof WrongAudioFormatError) return refuse(record, `The uploaded file is not ${AUDIO_FORMATS[format].label}: ${err.message}`)
      throw err
    }
    const ready = await repository.updateRenderIf(record.id, ourClaim(record), {
      state: 'ready',
      size_bytes: head.size,
      bitrate: record.bitrate ?? audio.bitrate,
      duration: record.duration ?? audio.duration,
      message_id: null,
      acl,
      updated_at: now()
    })
    // Lost to the sweeper expiring the upload meanwhile (the worker deletes both objects), or to a
    // request that took the claim over from this one, stalled past INTERRUPTED_AFTER_MS.
    if (ready === null) return outcomeOfLostClaim(record.id)
    await onVerified(ready)
    await storage.deleteObjects([record.upload_key!]).catch(() => {})
    return ready
  }

  async function outcomeOfLostClaim (id: string): Promise<RenderRecord> {
    const current = await repository.findRender(id)
    if (current === null || current.state === 'deleting') throw renderDeleted()
    if (current.state === 'pending' || current.state === 'verifying') throw conflict('This upload is being completed by another request; try again')
    return current
  }

  /**
   * pending → verifying is the claim: one request verifies; the others see its outcome. A claim
   * left by a process that stopped mid-way is taken over once it is INTERRUPTED_AFTER_MS old, by a
   * write conditional on its unchanged updated_at, so only one request takes it over.
   */
  async function verifyOnce (record: RenderRecord, target: string | null): Promise<RenderRecord> {
    let claimed = await repository.updateRenderIf(record.id, { state: ['pending'] }, { state: 'verifying', updated_at: now() })
    if (claimed === null) {
      const current = await repository.findRender(record.id)
      if (current === null || current.state === 'deleting') throw renderDeleted()
      if (current.state === 'verifying' && isInterrupted(current)) {
        claimed = await repository.updateRenderIf(record.id, { state: ['verifying'], updated_at: current.updated_at }, { updated_at: now() })
      }
      if (claimed === null) {
        if (current.state === 'pending' || current.state === 'verifying') throw conflict('This upload is being completed by another request; try again')
        return current
      }
    }
    try {
      return await verifyAndPromote(claimed, target)
    } catch (err) {
      // A storage error mid-way leaves the upload to be completed again (unless the claim was taken over).
      await repository.updateRenderIf(record.id, ourClaim(claimed), { state: 'pending', updated_at: now() })
      throw err
    }
  }

  function isInterrupted (record: RenderRecord) {
    return clock().getTime() - Date.parse(record.updated_at) >= INTERRUPTED_AFTER_MS
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
    // A proxied upload being stored, or a stored object being adopted: not an upload URL's to complete.
    if ((record.state === 'pending' || record.state === 'verifying') && record.upload_key === null) throw notFound('Upload')
    const target = messageId ?? intended
    if (record.state === 'pending' || record.state === 'verifying') {
      if (target !== null && await repository.findMessage(target) === null) throw notFound('Message')
      let running = completing.get(renderId)
      if (running === undefined) {
        const pending = record
        running = verifyOnce(pending, target).finally(() => completing.delete(renderId))
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
