import { Readable } from 'node:stream'
import { analyseAudio, type AudioAnalysis } from './analyse-audio.js'

export interface AnalysisTask {
  /** A short-lived signed GET of the audio object: the worker streams it, chunk by chunk. */
  url: string
  format: string
}

/** Runs in a worker thread (piscina), so decoding never holds up a request. */
export default async function analyseObject ({ url, format }: AnalysisTask): Promise<AudioAnalysis> {
  const res = await fetch(url)
  if (!res.ok || res.body === null) throw new Error(`Reading the audio object failed: HTTP ${res.status}`)
  return analyseAudio(format, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>))
}
