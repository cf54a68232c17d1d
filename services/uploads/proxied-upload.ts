import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
import { NotMp3Error } from '../audio/inspect-mp3.js'
import { badRequest, payloadTooLarge, unauthorized, unsupportedMediaType } from '../errors.js'
import type { RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { renderKey } from '../renders/render-keys.js'
import { parseUploadFields } from './upload-fields.js'
import { verifyStoredMp3 } from './verify-stored-mp3.js'
import { monotonicNow } from '../clock.js'
import { newId } from '../ids.js'

/** Room for the multipart envelope and the small fields around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024

interface Deps {
  repository: Repository
  storage: ObjectStorage
  env: string
  maxUploadBytes: number
  verifyFormToken: (token: string | undefined) => void
  log: FastifyBaseLogger
}

/**
 * The seed's proxied upload: streams the file part straight to storage (never buffered whole),
 * then checks it from its bytes. Anything refused after the object was written is deleted,
 * or queued for deletion when storage cannot delete it right now.
 */
export async function receiveProxiedUpload (request: FastifyRequest, deps: Deps): Promise<RenderRecord> {
  const { repository, storage, env, maxUploadBytes } = deps
  const declaredLength = Number(request.headers['content-length'])
  if (declaredLength > maxUploadBytes + MULTIPART_OVERHEAD_BYTES) throw payloadTooLarge(maxUploadBytes)

  const raw: Record<string, string> = {}
  let stored: { id: string, key: string, size: number } | undefined
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        raw[part.fieldname] = String(part.value)
        continue
      }
      if (part.fieldname !== 'file' || stored !== undefined) throw badRequest('Send exactly one file, in the field "file"')
      if (!request.tokenVerified) {
        if (raw.token === undefined) throw unauthorized('Send the token field before the file, or use Authorization: Bearer')
        deps.verifyFormToken(raw.token)
      }
      parseUploadFields(raw)
      stored = await storeFile(part)
    }
    if (stored === undefined) throw badRequest('The multipart field "file" is required')
    const fields = parseUploadFields(raw)
    const audio = await verifyStoredMp3(storage, stored.key, stored.size).catch((err: unknown) => {
      throw err instanceof NotMp3Error ? unsupportedMediaType(`The file is not an MP3: ${err.message}`) : err
    })
    const record: RenderRecord = {
      id: stored.id,
      key: stored.key,
      status: 'ready',
      format: fields.format,
      content_type: 'audio/mpeg',
      declared_size: null,
      size_bytes: stored.size,
      bitrate: fields.bitrate ?? audio.bitrate,
      duration: fields.duration ?? audio.duration,
      message_id: null,
      expires_at: null,
      created_at: monotonicNow()
    }
    await repository.insertRenderRecord(record)
    return record
  } catch (err) {
    if (stored !== undefined) await discardObject(stored.key, deps)
    throw err
  }

  async function storeFile (part: MultipartFile) {
    const id = newId()
    const key = renderKey(env, id)
    try {
      const { size } = await storage.putObject(key, part.file, { contentType: 'audio/mpeg' })
      if (part.file.truncated) throw payloadTooLarge(maxUploadBytes)
      return { id, key, size }
    } catch (err) {
      await discardObject(key, deps)
      throw err
    }
  }
}

async function discardObject (key: string, deps: Deps) {
  const outcome = await deps.storage.deleteObjects([key])
  if (outcome.failed.length > 0) {
    deps.log.warn({ key, code: outcome.failed[0].code }, 'could not delete a refused upload; queued for deletion')
    await deps.repository.enqueueDeletions([key], new Date().toISOString())
  }
}
