import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config.js'
import { createStorage } from '../services/storage/create-storage.js'
import { verifyStoredAudio } from '../services/uploads/verify-stored-audio.js'
import { makeMp3Tone } from '../test/support/audio.js'

const RUNS = 30

async function median (run: () => Promise<unknown>) {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint()
    await run()
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]
}

/**
 * What making verified bytes immutable costs `complete`: the server-side copy from the staging key
 * to the render key, next to the PUT of the same bytes and to complete's other storage calls.
 * Against the embedded S3 server, so only ratios mean anything.
 */
export async function measureCompleteCost () {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-bench-copy-'))
  const storage = await createStorage(loadConfig({ fromEnvironment: false, overrides: { DATA_DIR: dataDir, EMBEDDED_S3_PORT: 0, API_TOKEN: 'bench-token-0123456789abcdef' } }))
  try {
    const mp3 = makeMp3Tone({ seconds: 60, kbps: 320 })
    const put = await median(() => storage.putObject('dev/uploads/bench.mp3', mp3, { contentType: 'audio/mpeg' }))
    const copy = await median(() => storage.copyObject('dev/uploads/bench.mp3', 'dev/renders/bench.mp3', { contentType: 'audio/mpeg' }))
    const head = await median(() => storage.headObject('dev/renders/bench.mp3'))
    const verify = await median(() => verifyStoredAudio(storage, 'dev/renders/bench.mp3', mp3.length, 'mp3'))
    const mib = (mp3.length / 1048576).toFixed(1)
    console.log(`complete, ${mib} MiB render (median of ${RUNS}): copy ${copy.toFixed(1)} ms, HEAD ${head.toFixed(1)} ms, MP3 check ${verify.toFixed(1)} ms`)
    console.log(`ratio copy / PUT of the same bytes:  ${(copy / put).toFixed(2)}`)
    console.log(`ratio copy / rest of complete:       ${(copy / (head + verify)).toFixed(2)} (HEAD + MP3 check)`)
  } finally {
    await storage.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}
