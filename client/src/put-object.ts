import { AbortError } from './errors.js'

export type UploadData = Blob | Uint8Array | ArrayBuffer

export interface Progress {
  /** Bytes sent so far in this attempt. */
  loaded: number
  total: number
}

export interface PutRequest {
  url: string
  headers: Record<string, string>
  data: UploadData
  onProgress?: (progress: Progress) => void
  signal?: AbortSignal
  /** The fetch used where there is no XHR (Node). */
  fetch?: typeof fetch
}

export interface PutResult {
  status: number
  body: string
}

export function sizeOf (data: UploadData) {
  return data instanceof Blob ? data.size : data.byteLength
}

/**
 * One PUT of the whole object straight to storage, reporting bytes as they are sent: XHR where it
 * exists (browsers, React Native: fetch cannot report upload progress there), otherwise fetch with a
 * streamed body (Node). Network failures reject with a TypeError; any HTTP status resolves.
 */
export function putObject (request: PutRequest): Promise<PutResult> {
  if (request.signal?.aborted === true) return Promise.reject(new AbortError())
  return typeof XMLHttpRequest === 'function' ? putWithXhr(request) : putWithFetch(request)
}

/** Headers the browser sets itself and refuses from scripts. */
const BROWSER_SET_HEADERS = new Set(['content-length', 'host'])

function putWithXhr ({ url, headers, data, onProgress, signal }: PutRequest): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    for (const [name, value] of Object.entries(headers)) {
      if (!BROWSER_SET_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value)
    }
    const total = sizeOf(data)
    xhr.upload.onprogress = (event) => onProgress?.({ loaded: event.loaded, total })
    const onAbort = () => xhr.abort()
    const settle = () => signal?.removeEventListener('abort', onAbort)
    xhr.onload = () => {
      settle()
      if (xhr.status >= 200 && xhr.status < 300) onProgress?.({ loaded: total, total })
      resolve({ status: xhr.status, body: xhr.responseText })
    }
    xhr.onerror = () => { settle(); reject(new TypeError('Network error while uploading to storage')) }
    xhr.ontimeout = xhr.onerror
    xhr.onabort = () => { settle(); reject(new AbortError()) }
    signal?.addEventListener('abort', onAbort, { once: true })
    xhr.send(data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]) : data)
  })
}

const CHUNK_BYTES = 64 * 1024

async function putWithFetch ({ url, headers, data, onProgress, signal, fetch: fetchImpl = fetch }: PutRequest): Promise<PutResult> {
  const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : new Uint8Array(data)
  const total = bytes.byteLength
  let offset = 0
  const body = new ReadableStream<Uint8Array>({
    pull (controller) {
      if (offset >= total) {
        controller.close()
        return
      }
      const chunk = bytes.subarray(offset, Math.min(offset + CHUNK_BYTES, total))
      offset += chunk.byteLength
      controller.enqueue(chunk)
      onProgress?.({ loaded: offset, total })
    }
  })
  let response: Response
  try {
    response = await fetchImpl(url, { method: 'PUT', headers, body, signal, duplex: 'half' } as RequestInit)
  } catch (err) {
    if (signal?.aborted === true) throw new AbortError()
    throw err
  }
  return { status: response.status, body: await response.text() }
}
