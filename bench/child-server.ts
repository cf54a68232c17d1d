import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/** The V8 flags `npm start` and the Dockerfile run the service with; baselines get them too, so ratios compare like with like. */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1']

/**
 * Runs a TypeScript server entry point in one node process (no tsx wrapper process, so its pid is
 * the server's) and resolves with the loopback URL it prints.
 */
export function startServer (script: string, env: Record<string, string>): Promise<{ child: ChildProcess, url: string }> {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', script], {
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
