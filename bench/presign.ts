import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { startServer } from './child-server.js'
import { measureCompleteCost } from './complete-cost.js'

/**
 * Starts the service (embedded mode) and the baseline Fastify server as child processes, loads
 * each with autocannon from this process, and prints upload-URL requests/s ÷ hello-world requests/s
 * and the upload-URL endpoint's p99 latency, measured in the same run. It also loads a bare POST of
 * the same request and response shapes, so the ratio shows how much of the gap is Fastify's own.
 */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 16
const TOKEN = 'bench-token-0123456789abcdef'


async function load (options: autocannon.Options) {
  await autocannon({ ...options, duration: 2 }) // warm-up
  return autocannon({ ...options, duration: DURATION_SECONDS })
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-bench-'))
const children: ChildProcess[] = []
try {
  const service = await startServer('server.ts', {
    DATA_DIR: dataDir, PORT: '0', EMBEDDED_S3_PORT: '0', API_TOKEN: TOKEN, CLEANUP_INTERVAL_SECONDS: '0'
  })
  children.push(service.child)
  const hello = await startServer('bench/hello-server.ts', { PORT: '0' })
  children.push(hello.child)

  const post = {
    connections: CONNECTIONS,
    method: 'POST' as const,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ format: 'mp3', size_bytes: 2_500_000, content_type: 'audio/mpeg' })
  }
  const helloResult = await load({ url: `${hello.url}/hello`, connections: CONNECTIONS })
  const shapeResult = await load({ ...post, url: `${hello.url}/ticket-shape` })
  const uploadResult = await load({ ...post, url: `${service.url}/api/v1/uploads` })
  const failed = uploadResult.non2xx + uploadResult.errors + shapeResult.non2xx + shapeResult.errors
  const rate = (result: autocannon.Result) => result.requests.average
  console.log(`hello-world GET:                 ${rate(helloResult).toFixed(0)} req/s (p99 ${helloResult.latency.p99} ms)`)
  console.log(`bare POST of the same shapes:    ${rate(shapeResult).toFixed(0)} req/s (p99 ${shapeResult.latency.p99} ms, ${shapeResult.non2xx + shapeResult.errors} failed)`)
  console.log(`POST /api/v1/uploads:            ${rate(uploadResult).toFixed(0)} req/s (p99 ${uploadResult.latency.p99} ms, ${uploadResult.non2xx + uploadResult.errors} failed)`)
  console.log(`ratio upload-URL / hello-world:  ${(rate(uploadResult) / rate(helloResult)).toFixed(2)} (target ≥ 0.5)`)
  console.log(`ratio bare POST / hello-world:   ${(rate(shapeResult) / rate(helloResult)).toFixed(2)} (Fastify's own ceiling for this route shape)`)
  console.log(`ratio upload-URL / bare POST:    ${(rate(uploadResult) / rate(shapeResult)).toFixed(2)} (target ≥ 0.5)`)
  console.log(`upload-URL p99 latency:          ${uploadResult.latency.p99} ms`)
  if (failed > 0) process.exitCode = 1
  await measureCompleteCost()
} finally {
  for (const child of children) child.kill('SIGTERM')
  fs.rmSync(dataDir, { recursive: true, force: true })
}
