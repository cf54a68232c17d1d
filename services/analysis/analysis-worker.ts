import { Readable } from 'node:stream'
import { analyseAudio, type AudioAnalysis } from './analyse-audio.js'

export interface AnalysisTask {
  /** A short-lived signed GET of the audio object: the worker streams it, chunk by chunk. */
  url: string
  format: string
}

/** Runs in a worker thread (piscina), so decoding never holds up a request. */
export default async function analyseObject ({ url, format }: AnalysisTask): Promise<AudioAnalysis> {
  const res = await getOnce(url).catch(async (err: unknown) => {
    // A kept-alive connection the store closed meanwhile fails before any answer (servers close idle
    // ones after a few seconds: the embedded one after 5); a GET sent again on a new one is safe.
    if (!failedBeforeAnswer(err)) throw err
    return getOnce(url)
  })
  if (!res.ok || res.body === null) throw new Error(`Reading the audio object failed: HTTP ${res.status}`)
  return analyseAudio(format, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>))
}

const CONNECTION_LOST = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE'])

function failedBeforeAnswer (err: unknown) {
  return err instanceof TypeError && CONNECTION_LOST.has(causeOf(err)?.code ?? '')
}

const causeOf = (err: Error) => err.cause as (Error & { code?: string }) | undefined

/** fetch's own message is only "fetch failed"; the reason recorded for the job says what failed. */
async function getOnce (url: string): Promise<Response> {
  try {
    return await fetch(url)
  } catch (err) {
    const cause = err instanceof Error ? causeOf(err) : undefined
    if (cause === undefined) throw err
    throw new TypeError(`Reading the audio object failed: ${cause.code ?? cause.name}: ${cause.message}`, { cause })
  }
}
