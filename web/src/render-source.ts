/** Played renders, kept for offline replay; one entry per render id. */
const CACHE_NAME = 'renders-v1'

const cacheKey = (renderId: string) => new URL(`/app/cache/renders/${encodeURIComponent(renderId)}`, location.origin).href

const hasCache = () => typeof caches !== 'undefined'

export interface RemoteRender { id: string, url: string, duration?: number | null, size_bytes?: number | null, waveform_url?: string | null }

/** An object URL of the cached render, or null when it was never played here. */
export async function cachedRenderUrl (renderId: string): Promise<string | null> {
  if (!hasCache()) return null
  const response = await (await caches.open(CACHE_NAME)).match(cacheKey(renderId))
  return response === undefined ? null : URL.createObjectURL(await response.blob())
}

/** Stores bytes the page already has (an own upload) under the render's id. */
export async function cacheRenderBytes (renderId: string, data: Blob) {
  if (!hasCache()) return
  await (await caches.open(CACHE_NAME)).put(cacheKey(renderId), new Response(data, { headers: { 'content-type': 'audio/mpeg' } }))
}

/** Reads a response body, reporting the fraction received (null when the size is unknown). */
function counted (body: ReadableStream<Uint8Array>, total: number, onProgress: (fraction: number | null) => void) {
  let loaded = 0
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform (chunk, controller) {
      loaded += chunk.byteLength
      onProgress(total > 0 ? Math.min(1, loaded / total) : null)
      controller.enqueue(chunk)
    }
  }))
}

function appendTo (buffer: SourceBuffer, chunk: Uint8Array) {
  return new Promise<void>((resolve, reject) => {
    buffer.addEventListener('updateend', () => resolve(), { once: true })
    buffer.addEventListener('error', () => reject(new Error('The browser could not decode the render')), { once: true })
    buffer.appendBuffer(chunk as Uint8Array<ArrayBuffer>)
  })
}

/**
 * Plays a render while it downloads (Media Source Extensions) and writes the same bytes to the
 * cache: one download for both. Where MSE cannot play MP3 the render is downloaded, then played.
 * Returns the URL for the <audio> element at once; `onProgress` follows the download, `onError`
 * reports a failure.
 */
export function streamRender (render: RemoteRender, onProgress: (fraction: number | null) => void, onError: (err: unknown) => void): Promise<string> {
  const download = async () => {
    const response = await fetch(render.url)
    if (!response.ok || response.body === null) throw new Error(`Storage answered HTTP ${response.status}`)
    const total = Number(response.headers.get('content-length') ?? render.size_bytes ?? 0)
    return counted(response.body, total, onProgress)
  }
  const toCache = (body: ReadableStream<Uint8Array>) => hasCache()
    ? caches.open(CACHE_NAME).then((cache) => cache.put(cacheKey(render.id), new Response(body, { headers: { 'content-type': 'audio/mpeg' } })))
    : body.pipeTo(new WritableStream())

  if (typeof MediaSource === 'undefined' || !MediaSource.isTypeSupported('audio/mpeg')) {
    return download().then(async (body) => {
      const [forPlayer, forCache] = body.tee()
      const blob = await new Response(forPlayer).blob()
      await toCache(forCache)
      onProgress(null)
      return URL.createObjectURL(blob)
    })
  }

  const mediaSource = new MediaSource()
  mediaSource.addEventListener('sourceopen', () => {
    const buffer = mediaSource.addSourceBuffer('audio/mpeg')
    if (render.duration != null) mediaSource.duration = render.duration
    download().then(async (body) => {
      const [forPlayer, forCache] = body.tee()
      const cached = toCache(forCache)
      const reader = forPlayer.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        await appendTo(buffer, value)
      }
      mediaSource.endOfStream()
      await cached
      onProgress(null)
    }).catch((err: unknown) => {
      onProgress(null)
      onError(err)
    })
  }, { once: true })
  return Promise.resolve(URL.createObjectURL(mediaSource))
}
