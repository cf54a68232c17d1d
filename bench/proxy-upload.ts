import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Agent } from 'undici'
import { makeMp3Tone } from '../test/support/audio.js'
import { startServer } from './child-server.js'
import { peakRssDuring, statusBytes } from './process-memory.js'

/**
 * A ~90 MB MP3 uploaded through the service (POST /api/v1/upload/audio) and, for comparison, PUT
 * straight to the same S3 server with a presigned URL. The S3 server runs in its own process, so
 * the service's peak RSS over idle is the service's alone. Prints figures from this one run:
 * peak RSS over idle during the proxied uploads, and proxy ÷ direct throughput (median of ROUNDS).
 */
const TARGET_BYTES = Number(process.env.BENCH_UPLOAD_BYTES ?? 90_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const TOKEN = 'bench-token-0123456789abcdef'
const MiB = 1024 * 1024


/** Whole 1-second MP3 tones repeated: every frame is valid, and nothing is encoded beyond the first second. */
function bigMp3 (): Buffer {
  const second = makeMp3Tone({ seconds: 1, kbps: 128 })
  return Buffer.concat(Array.from({ length: Math.ceil(TARGET_BYTES / second.length) }, () => second))
}

/**
 * Each large upload on a connection of its own: a kept-alive socket the server closes just as a
 * long body starts would fail the run with EPIPE, and both paths pay the same connection setup.
 */
async function onFreshConnection<T> (send: (dispatcher: Agent) => Promise<T>): Promise<T> {
  const dispatcher = new Agent({ pipelining: 0 })
  try {
    return await send(dispatcher)
  } finally {
    await dispatcher.close()
  }
}

async function timed (run: () => Promise<void>): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}

async function proxyUpload (serviceUrl: string, file: Blob) {
  const form = new FormData()
  form.append('token', TOKEN)
  form.append('format', 'mp3')
  form.append('file', file, 'bench.mp3')
  await onFreshConnection(async (dispatcher) => {
    const res = await fetch(`${serviceUrl}/api/v1/upload/audio`, { method: 'POST', body: form, dispatcher } as RequestInit)
    if (res.status !== 200) throw new Error(`proxied upload answered ${res.status}: ${await res.text()}`)
    await res.arrayBuffer()
  })
}

/** Asks the service for a presigned PUT (not timed), then times only the PUT straight to storage. */
async function directUpload (serviceUrl: string, body: Blob): Promise<number> {
  const ticketRes = await fetch(`${serviceUrl}/api/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ format: 'mp3', size_bytes: body.size, content_type: 'audio/mpeg' })
  })
  if (ticketRes.status !== 201) throw new Error(`upload URL answered ${ticketRes.status}: ${await ticketRes.text()}`)
  const { upload } = await ticketRes.json() as { upload: { url: string, headers: Record<string, string> } }
  return onFreshConnection((dispatcher) => timed(async () => {
    const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body, dispatcher } as RequestInit)
    if (!res.ok) throw new Error(`presigned PUT answered ${res.status}: ${await res.text()}`)
    await res.arrayBuffer()
  }))
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`
const rate = (bytes: number, ms: number) => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-bench-upload-'))
const children: ChildProcess[] = []
try {
  const s3 = await startServer('bench/s3-server.ts', {})
  children.push(s3.child)
  const service = await startServer('server.ts', {
    DATA_DIR: dataDir,
    PORT: '0',
    API_TOKEN: TOKEN,
    CLEANUP_INTERVAL_SECONDS: '0',
    // Off: each render's waveform would be decoded in a worker thread during the next round.
    // Analysis memory has its own bench (npm run bench:peaks).
    ANALYSIS_INTERVAL_SECONDS: '0',
    S3_ENDPOINT_URL: s3.url,
    S3_ACCESS_KEY: 'S3RVER',
    S3_SECRET_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET_NAME: 'renders'
  })
  children.push(service.child)
  const pid = service.child.pid!

  const mp3 = bigMp3()
  const file = new Blob([new Uint8Array(mp3)], { type: 'audio/mpeg' })
  // Warm-up with a small file: loads every module of both paths before idle is measured.
  const small = file.slice(0, 1024 * 1024, 'audio/mpeg')
  await proxyUpload(service.url, small)
  await directUpload(service.url, small)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const idle = statusBytes(pid, 'VmRSS')

  const directMs: number[] = []
  const proxyMs: number[] = []
  const { peak } = await peakRssDuring(pid, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      directMs.push(await directUpload(service.url, file))
      proxyMs.push(await timed(() => proxyUpload(service.url, file)))
    }
  })

  const direct = median(directMs)
  const proxy = median(proxyMs)
  const ratio = direct / proxy
  const overIdle = peak - idle
  console.log(`file: ${mib(mp3.length)} MP3; ${ROUNDS} rounds, medians; S3 server in its own process; waveform analysis off (see bench:peaks)`)
  console.log(`direct presigned PUT:        ${direct.toFixed(0)} ms (${rate(mp3.length, direct)}) [${directMs.map((ms) => ms.toFixed(0)).join(', ')}]`)
  console.log(`proxied POST /upload/audio:  ${proxy.toFixed(0)} ms (${rate(mp3.length, proxy)}) [${proxyMs.map((ms) => ms.toFixed(0)).join(', ')}]`)
  console.log(`proxy ÷ direct throughput:   ${ratio.toFixed(2)} (target ≥ 0.5)`)
  console.log(`service RSS idle ${mib(idle)}, peak ${mib(peak)}: +${mib(overIdle)} over idle (target ≤ +32 MiB)`)
} finally {
  for (const child of children) child.kill('SIGTERM')
  fs.rmSync(dataDir, { recursive: true, force: true })
}
