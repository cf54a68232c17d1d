import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { AudioAnalysis } from './analyse-audio.js'
import type { AnalysisTask } from './analysis-worker.js'

const here = fileURLToPath(import.meta.url)
/** The worker beside this file: .ts when run from the sources (tsx, tap), .js once compiled. */
const WORKER_FILE = path.join(path.dirname(here), `analysis-worker${path.extname(here)}`)
/** From the sources, workers load TypeScript with tsx (esbuild): fast, whatever loader the main thread has (tap's ts-node takes seconds per worker). */
const EXEC_ARGV = path.extname(here) === '.ts' ? ['--import', import.meta.resolve('tsx')] : undefined

export interface AnalysisPool {
  run (task: AnalysisTask, signal?: AbortSignal): Promise<AudioAnalysis>
  close (): Promise<void>
}

/** Worker threads for decoding; started on first use, so an instance that never analyses starts none. */
export function createAnalysisPool (threads: number): AnalysisPool {
  let pool: Piscina | undefined
  return {
    run (task, signal) {
      pool ??= new Piscina({ filename: WORKER_FILE, execArgv: EXEC_ARGV, minThreads: 0, maxThreads: threads, idleTimeout: 30_000 })
      return pool.run(task, { signal })
    },
    async close () {
      await pool?.destroy()
      pool = undefined
    }
  }
}
