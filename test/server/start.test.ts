import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { NO_CHILD_COVERAGE } from '../support/child-env.js'

const root = path.resolve(import.meta.dirname, '../..')

/** `npm start`'s server as a child process, from an empty directory (no .env), with this environment. */
function startServer (t: Test, env: Record<string, string>) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'server-start-'))
  t.teardown(() => fs.rmSync(cwd, { recursive: true, force: true }))
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'server.ts')], {
    cwd,
    env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', DATA_DIR: cwd, PORT: '0', EMBEDDED_S3_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(async () => { child.kill('SIGTERM'); await exited })
  return {
    exited: async () => ({ code: await exited, stdout, stderr }),
    /** Resolves with stderr once it matches `pattern`. */
    stderrMatching: (pattern: RegExp) => new Promise<string>((resolve, reject) => {
      const check = () => { if (pattern.test(stderr)) resolve(stderr) }
      check()
      child.stderr.on('data', check)
      void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)))
    }),
    /** Resolves with stdout once the start banner is complete. */
    banner: () => new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => { if (/API token/.test(stdout)) resolve(stdout) })
      void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)))
    })
  }
}

async function takenPort (t: Test): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as net.AddressInfo).port
}

t.test('a busy API port: one line naming PORT, exit code 1, no stack trace', async (t) => {
  const port = await takenPort(t)
  const { code, stderr } = await startServer(t, { PORT: String(port) }).exited()
  t.equal(code, 1)
  t.match(stderr, new RegExp(`port ${port} for the API .* already in use.*Set PORT to a free port`))
  t.notMatch(stderr, /EMBEDDED_S3_PORT/)
  t.notMatch(stderr, /^\s+at /m, 'no stack trace')
})

t.test('a busy embedded S3 port: the message names EMBEDDED_S3_PORT', async (t) => {
  const port = await takenPort(t)
  const { code, stderr } = await startServer(t, { EMBEDDED_S3_PORT: String(port) }).exited()
  t.equal(code, 1)
  t.match(stderr, new RegExp(`port ${port} for the embedded S3 server is already in use.*Set EMBEDDED_S3_PORT to a free port`))
  t.notMatch(stderr, /^\s+at /m, 'no stack trace')
})

t.test('the banner names the storage endpoint and the public base of render URLs', async (t) => {
  const derived = await startServer(t, {}).banner()
  t.match(derived, /Storage: embedded S3 server at http:\/\/127\.0\.0\.1:\d+\/renders \(objects in /)
  t.match(derived, /Render URLs: http:\/\/127\.0\.0\.1:\d+\/renders\/… \(derived from the endpoint and bucket; set S3_PUBLIC_BASE_URL for a CDN\)/)
  t.match(derived, /User tokens: HS256 \(secret generated in .*jwt-secret\); get one with: npm run token -- --user alice/)

  const cdn = await startServer(t, { S3_PUBLIC_BASE_URL: 'https://cdn.example.com/renders' }).banner()
  t.match(cdn, /Storage: embedded S3 server at http:\/\/127\.0\.0\.1:\d+\/renders/, 'the endpoint, not the CDN')
  t.match(cdn, /Render URLs: https:\/\/cdn\.example\.com\/renders\/… \(S3_PUBLIC_BASE_URL\)/)
})

t.test('CORS_ORIGINS that are not origins stop the start with one line naming the variable', async (t) => {
  for (const value of ['https://app.example.com/', 'app.example.com', ',']) {
    const { code, stderr } = await startServer(t, { CORS_ORIGINS: value }).exited()
    t.equal(code, 1, `${value}: exit code 1`)
    t.match(stderr, /CORS_ORIGINS/, `${value}: names the variable`)
    t.notMatch(stderr, /^\s+at /m, 'no stack trace')
  }
})

t.test('storage that cannot be used is said at start, naming what to check; the service still starts', async (t) => {
  const server = startServer(t, { S3_ENDPOINT_URL: 'http://127.0.0.1:9', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret', API_TOKEN: 'a-token-of-sixteen-chars' })
  const stderr = await server.stderrMatching(/Warning: storage/)
  t.match(stderr, /Warning: storage is not usable \(.*\); uploads fail until it is\. Run npm run check-storage/)
  t.notMatch(stderr, /secret|a-token-of-sixteen-chars/, 'no secret in the warning')
})
