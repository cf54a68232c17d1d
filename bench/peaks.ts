import { execFileSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { startServer } from './child-server.js'
import { peakRssDuring, statusBytes } from './process-memory.js'

/**
 * Waveform analysis, in the service as it runs (S3 server in its own process, so only the
 * service's memory is counted), on a 10-minute 320 kbps stereo MP3 made here with ffmpeg:
 * - time from `complete` to `waveform: "ready"` (decode, peaks, loudness, writing the peaks), as × realtime;
 * - ffmpeg's decode of the same file (`ffmpeg -f null -`) and our time ÷ ffmpeg's;
 * - the service's peak RSS over idle during the analysis;
 * - the upload-URL route's p99 at rest, and while 10 such renders are being analysed.
 */
const FFMPEG = '/usr/bin/ffmpeg'
const SECONDS = 600
const RENDERS_UNDER_LOAD = 10
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const TOKEN = 'bench-token-0123456789abcdef'
const MiB = 1024 * 1024
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }

async function api<T> (base: string, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${url}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${await res.text()}`)
  return res.json() as Promise<T>
}

/** PUTs the file with a presigned URL; returns the render id, not yet completed. */
async function put (base: string, file: Buffer): Promise<string> {
  const ticket = await api<{ render_id: string, upload: { url: string, headers: Record<string, string> } }>(base, 'POST', '/api/v1/uploads',
    { format: 'mp3', size_bytes: file.length, content_type: 'audio/mpeg' })
  const res = await fetch(ticket.upload.url, { method: 'PUT', headers: ticket.upload.headers, body: new Uint8Array(file) })
  if (!res.ok) throw new Error(`PUT answered ${res.status}`)
  return ticket.render_id
}

async function waitReady (base: string, id: string) {
  for (;;) {
    const render = await api<{ waveform?: string }>(base, 'GET', `/api/v1/renders/${id}`)
    if (render.waveform === 'ready') return
    if (render.waveform === 'failed') throw new Error(`analysis of ${id} failed`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function p99 (base: string) {
  const options = { url: `${base}/api/v1/uploads`, connections: 16, method: 'POST' as const, headers: auth,
    body: JSON.stringify({ format: 'mp3', size_bytes: 2_500_000, content_type: 'audio/mpeg' }) }
  await autocannon({ ...options, duration: 2 })
  const result = await autocannon({ ...options, duration: LOAD_SECONDS })
  if (result.non2xx + result.errors > 0) process.exitCode = 1
  return result.latency.p99
}

const timed = (run: () => unknown) => {
  const started = performance.now()
  run()
  return performance.now() - started
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'render-bench-peaks-'))
const children: ChildProcess[] = []
try {
  const mp3Path = path.join(tmp, 'ten-minutes.mp3')
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i',
    `aevalsrc=0.6*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*t/7))+0.05*random(0)|0.5*sin(2*PI*331*t)*(0.5+0.5*sin(2*PI*t/5)):s=44100:d=${SECONDS}`,
    '-b:a', '320k', mp3Path])
  const mp3 = fs.readFileSync(mp3Path)
  const ffmpegMs = timed(() => execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-i', mp3Path, '-f', 'null', '-']))

  const s3 = await startServer('bench/s3-server.ts', {})
  children.push(s3.child)
  const service = await startServer('server.ts', {
    DATA_DIR: path.join(tmp, 'data'), PORT: '0', API_TOKEN: TOKEN, CLEANUP_INTERVAL_SECONDS: '0',
    S3_ENDPOINT_URL: s3.url, S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true', S3_BUCKET_NAME: 'renders'
  })
  children.push(service.child)
  const pid = service.child.pid!
  const base = service.url

  const restingRss = statusBytes(pid, 'VmRSS')
  // Warm-up: one short render starts the worker thread and loads the decoder before idle is read.
  const warm = await put(base, mp3.subarray(0, 400_000))
  await api(base, 'POST', `/api/v1/uploads/${warm}/complete`, {})
  await waitReady(base, warm)
  const id = await put(base, mp3)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const idle = statusBytes(pid, 'VmRSS')
  const { peak, result: [completeMs, analysisMs] } = await peakRssDuring(pid, async () => {
    const started = performance.now()
    await api(base, 'POST', `/api/v1/uploads/${id}/complete`, {})
    const completed = performance.now()
    await waitReady(base, id)
    return [completed - started, performance.now() - started]
  })

  const idleP99 = await p99(base)
  const loaded: string[] = []
  for (let i = 0; i < RENDERS_UNDER_LOAD; i++) loaded.push(await put(base, mp3))
  for (const render of loaded) await api(base, 'POST', `/api/v1/uploads/${render}/complete`, {})
  const loadedP99 = await p99(base)
  const pending = (await Promise.all(loaded.map((render) => api<{ waveform: string }>(base, 'GET', `/api/v1/renders/${render}`))))
    .filter((render) => render.waveform === 'pending').length

  const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`
  console.log(`10-minute 320 kbps MP3 (${mib(mp3.length)}), complete → waveform ready: ${(analysisMs / 1000).toFixed(2)} s = ${(SECONDS * 1000 / analysisMs).toFixed(0)}× realtime (target ≥ 50×; includes complete's own ${(completeMs / 1000).toFixed(2)} s: copy and MP3 check)`)
  console.log(`ffmpeg decode of the same file (-f null): ${(ffmpegMs / 1000).toFixed(2)} s; ours ÷ ffmpeg's: ${(analysisMs / ffmpegMs).toFixed(2)}`)
  console.log(`service RSS: ${mib(restingRss)} at start, ${mib(idle)} idle after a warm-up analysis, peak ${mib(peak)}: +${mib(peak - idle)} over idle (target ≤ +64 MiB)`)
  console.log(`upload-URL p99: ${idleP99} ms idle, ${loadedP99} ms with ${RENDERS_UNDER_LOAD} renders being analysed (${pending} still pending at the end): ratio ${(loadedP99 / idleP99).toFixed(2)} (target ≤ 2)`)
} finally {
  for (const child of children) child.kill('SIGTERM')
  fs.rmSync(tmp, { recursive: true, force: true })
}
