import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
import { AUDIO_FORMATS, type AudioFormat } from '../audio/audio-formats.js'
import { WrongAudioFormatError } from '../audio/inspect-audio.js'
import { badRequest, payloadTooLarge, renderDeleted, unauthorized, unsupportedMediaType } from '../errors.js'
import type { ObjectAcl, RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { DeletionQueue } from '../deletion/deletion-queue.js'
import { renderKey } from '../renders/render-keys.js'
import { deletingFields, newRenderRecord } from '../renders/render-record.js'
import { parseUploadFields } from './upload-fields.js'
import { ONE_FILE } from '../http/multipart-request.js'
import { verifyStoredAudio } from './verify-stored-audio.js'
import { monotonicNow } from '../clock.js'
import { newId } from '../ids.js'

/** Room for the multipart envelope and the small fields around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024

interface Deps {
  repository: Repository
  storage: ObjectStorage
  deletionQueue: DeletionQueue
  env: string
  maxUploadBytes: number
  /** The ACL the object is stored with (RENDER_ACL); attaching it to a private thread's message makes it private. */
  defaultAcl: ObjectAcl
  verifyFormToken: (request: FastifyRequest, token: string | undefined) => Promise<void>
  /** The caller's quota: refuses `bytes` more (413) for the request's user. */
  checkQuota: (request: FastifyRequest, bytes: number) => Promise<void>
  /** The upload rate limit, for a caller known only from the form's token field. */
  countUpload: () => Promise<void>
  log: FastifyBaseLogger
}

/** How long a proxied upload may take before the sweeper may expire its record (plus its pending grace). */
const PROXIED_UPLOAD_WINDOW_MS = 3600_000

/**
 * The seed's proxied upload: streams the file part straight to storage (never buffered whole),
 * then checks it from its bytes. Its record is written before the first byte is stored, so the
 * sweeper never takes the object for an orphan; anything refused afterwards is handed to the
 * deletion worker with its record.
 */
export async function receiveProxiedUpload (request: FastifyRequest, deps: Deps): Promise<RenderRecord> {
  const { repository, storage, env, maxUploadBytes } = deps
  const declaredLength = Number(request.headers['content-length'])
  if (declaredLength > maxUploadBytes + MULTIPART_OVERHEAD_BYTES) throw payloadTooLarge(maxUploadBytes)

  const raw: Record<string, string> = {}
  let record: RenderRecord | undefined
  try {
    let size: number | undefined
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        raw[part.fieldname] = String(part.value)
        continue
      }
      if (part.fieldname !== 'file' || record !== undefined) throw badRequest(ONE_FILE)
      if (!request.tokenVerified) {
        if (raw.token === undefined) throw unauthorized('Send the token field before the file, or use Authorization: Bearer')
        await deps.verifyFormToken(request, raw.token)
        await deps.countUpload()
      }
      // The claimed format names the key, so it must be known before the first byte is stored.
      const { format } = parseUploadFields(raw)
      // The file is at least the body less its envelope: a user with no room left is refused before any byte is stored.
      if (Number.isFinite(declaredLength)) await deps.checkQuota(request, Math.max(0, declaredLength - MULTIPART_OVERHEAD_BYTES))
      record = await recordUpload(format, request.caller?.kind === 'user' ? request.caller.userId : null)
      size = await storeFile(part, record)
      await deps.checkQuota(request, size)
    }
    if (record === undefined || size === undefined) throw badRequest('The multipart field "file" is required')
    const fields = parseUploadFields(raw)
    if (fields.format !== record.format) throw badRequest('Send the format field before the file')
    const audio = await verifyStoredAudio(storage, record.key, size, fields.format).catch((err: unknown) => {
      throw err instanceof WrongAudioFormatError ? unsupportedMediaType(`The file is not ${AUDIO_FORMATS[fields.format].label}: ${err.message}`) : err
    })
    const ready = await repository.updateRenderIf(record.id, { state: ['pending'] }, {
      state: 'ready',
      size_bytes: size,
      bitrate: fields.bitrate ?? audio.bitrate,
      duration: fields.duration ?? audio.duration,
      expires_at: null,
      acl: deps.defaultAcl,
      updated_at: new Date().toISOString()
    })
    if (ready === null) throw renderDeleted()
    return ready
  } catch (err) {
    if (record !== undefined) await discard(record, deps)
    throw err
  }

  async function recordUpload (format: AudioFormat, uploadedBy: string | null) {
    const id = newId()
    const createdAt = monotonicNow()
    const pending = newRenderRecord({
      id,
      key: renderKey(env, id, format),
      format,
      content_type: AUDIO_FORMATS[format].contentType,
      state: 'pending',
      expires_at: new Date(Date.parse(createdAt) + PROXIED_UPLOAD_WINDOW_MS).toISOString(),
      created_at: createdAt,
      uploaded_by: uploadedBy
    })
    await repository.insertRender(pending)
    return pending
  }

  async function storeFile (part: MultipartFile, record: RenderRecord) {
    const { size } = await storage.putObject(record.key, part.file, { contentType: record.content_type, acl: deps.defaultAcl })
    if (part.file.truncated) throw payloadTooLarge(maxUploadBytes)
    return size
  }
}

/** The record goes to the deletion worker, which deletes the object now or retries later. */
async function discard (record: RenderRecord, deps: Deps) {
  const marked = await deps.repository.updateRenderIf(record.id, { state: ['pending'] }, deletingFields(new Date().toISOString()))
  if (marked === null) return
  const outcome = await deps.deletionQueue.deleteRecords([record.id]).catch(() => null)
  if (outcome === null || outcome.failed > 0) deps.log.warn({ key: record.key }, 'could not delete a refused upload; the deletion worker will retry')
}
