import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/**
 * `npm start` and the Dockerfile run node without V8 flags. BENCH_NODE_FLAGS (space-separated) adds
 * some to every server of a run, baselines included, so ratios still compare like with like.
 */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)

/**
 * Runs a TypeScript server entry point in one node process (no tsx wrapper process, so its pid is
 * the server's) and resolves with the loopback URL it prints.
 */
export function startServer (script: string, env: Record<string, string>): Promise<{ child: ChildProcess, url: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match !== null) resolve({ child, url: match[1] })
    })
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)))
  })
}
