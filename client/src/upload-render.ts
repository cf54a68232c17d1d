import { backoffDelay, type RetryPolicy } from './backoff.js'
import { AbortError, ApiError, isTransient, throwIfAborted } from './errors.js'
import { putObject, sizeOf, type Progress, type UploadData } from './put-object.js'
import type { CreateUploadInput, Render, UploadTicket } from './client.js'

export interface UploadRenderOptions {
  /** Attach the render to this message when it completes. */
  messageId?: string
  /** Bytes sent in the current attempt (it starts again from 0 after a retry). */
  onProgress?: (progress: Progress) => void
  signal?: AbortSignal
  contentType?: CreateUploadInput['content_type']
  duration?: number
  bitrate?: number
}

export interface UploadContext {
  uploads: {
    start (input: CreateUploadInput): Promise<UploadTicket>
    complete (renderId: string, messageId?: string): Promise<Render>
  }
  retry: RetryPolicy
  now: () => number
  fetch?: typeof fetch
}

/** A URL this close to its expiry is renewed before the PUT rather than refused during it. */
const EXPIRY_MARGIN_MS = 5_000

/** S3 answers 403 to a presigned URL used after its expiry. */
function isExpiredRefusal (status: number, body: string) {
  return status === 403 && /expired/i.test(body)
}

/** 409 from complete: the object is not there yet, or another request is completing it. */
function completeMayRetry (err: unknown) {
  return isTransient(err) || (err instanceof ApiError && err.status === 409)
}

export async function uploadRender (context: UploadContext, data: UploadData, options: UploadRenderOptions = {}): Promise<Render> {
  const { retry, now } = context
  const { signal } = options
  const size = sizeOf(data)
  let failures = 0

  /** Waits out the backoff after a transient failure, or rethrows once the tries are used up. */
  async function afterFailure (err: unknown) {
    failures++
    if (failures >= retry.attempts) throw err
    await retry.sleep(backoffDelay(retry, failures - 1), signal)
    throwIfAborted(signal)
  }

  async function newTicket (): Promise<UploadTicket> {
    for (;;) {
      throwIfAborted(signal)
      try {
        return await context.uploads.start({
          format: 'mp3',
          size_bytes: size,
          content_type: options.contentType ?? 'audio/mpeg',
          message_id: options.messageId,
          duration: options.duration,
          bitrate: options.bitrate
        })
      } catch (err) {
        if (!isTransient(err)) throw err
        await afterFailure(err)
      }
    }
  }

  let ticket = await newTicket()
  for (;;) {
    throwIfAborted(signal)
    if (Date.parse(ticket.upload.expires_at) - EXPIRY_MARGIN_MS <= now()) {
      ticket = await newTicket()
      continue
    }
    let result
    try {
      result = await putObject({ url: ticket.upload.url, headers: ticket.upload.headers, data, onProgress: options.onProgress, signal, fetch: context.fetch })
    } catch (err) {
      if (err instanceof AbortError || !isTransient(err)) throw err
      await afterFailure(err)
      continue
    }
    if (result.status >= 200 && result.status < 300) break
    if (isExpiredRefusal(result.status, result.body)) {
      ticket = await newTicket()
      continue
    }
    const refusal = new ApiError(result.status, 'STORAGE_REFUSED', `Storage refused the upload (HTTP ${result.status})`)
    if (!isTransient(refusal)) throw refusal
    await afterFailure(refusal)
  }

  failures = 0
  for (;;) {
    throwIfAborted(signal)
    try {
      return await context.uploads.complete(ticket.render_id, options.messageId)
    } catch (err) {
      if (!completeMayRetry(err)) throw err
      await afterFailure(err)
    }
  }
}
