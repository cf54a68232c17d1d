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
  t.match(derived, /User tokens: HS256 \(secret generated in .*jwt-secret\); get one with: DATA_DIR=\. npm run token -- --user alice/, 'the folder the command must read')
  const defaults = await startServer(t, { DATA_DIR: '' }).banner()
  t.match(defaults, /get one with: npm run token -- --user alice/, 'no folder to name on the defaults')

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

t.test('a setting that cannot be used stops the start with one line naming it, no stack trace and no secret', async (t) => {
  const token = 'a-token-of-sixteen-chars'
  const notADirectory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'server-start-file-')), 'a-file')
  fs.writeFileSync(notADirectory, '')
  t.teardown(() => fs.rmSync(path.dirname(notADirectory), { recursive: true, force: true }))
  const cases: Array<{ env: Record<string, string>, says: RegExp }> = [
    { env: { HOST: '192.0.2.1' }, says: /HOST 192\.0\.2\.1 is not an address of this machine .*Set HOST to 127\.0\.0\.1/ },
    { env: { DATA_DIR: notADirectory }, says: /DATA_DIR .*a-file cannot be used as a writable directory \(EEXIST|ENOTDIR\)/ },
    { env: { DATA_DIR: path.join(notADirectory, 'below') }, says: /DATA_DIR .*below cannot be used as a writable directory/ },
    { env: { LOG_LEVEL: 'loud' }, says: /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/ },
    { env: { RENDER_ACL: 'open', PORT: 'abc' }, says: /PORT must be integer; RENDER_ACL must be one of public-read, private/ },
    { env: { S3_ENDPOINT_URL: 'https://nyc3.example.com/bucket' }, says: /S3_ENDPOINT_URL must be an http\(s\) origin without a path/ },
    { env: { MONGODB_URL: `mongodb://app:${token}@127.0.0.1:27017`, API_TOKEN: token }, says: /MONGODB_URL must be a mongodb:\/\/ or mongodb\+srv:\/\/ URL naming its database/ },
    { env: { MONGODB_URL: `mongodb://app:${token}@127.0.0.1:9/renders?serverSelectionTimeoutMS=2000`, API_TOKEN: token }, says: /the MongoDB at MONGODB_URL cannot be used \(.*\)\. Check its host, credentials and database/ },
    { env: { API_TOKEN: token, ADMIN_TOKEN: token }, says: /ADMIN_TOKEN must differ from API_TOKEN/ },
    { env: { ADMIN_TOKEN: token, METRICS_TOKEN: token }, says: /METRICS_TOKEN must differ from ADMIN_TOKEN/ }
  ]
  if (process.platform === 'linux') {
    // Node's recursive mkdir spins forever on this path instead of failing.
    cases.push({ env: { DATA_DIR: '/proc/no-such-dir/data' }, says: /DATA_DIR \/proc\/no-such-dir\/data cannot be used as a writable directory/ })
  }
  for (const { env, says } of cases) {
    const { code, stdout, stderr } = await startServer(t, env).exited()
    const name = JSON.stringify(env)
    t.equal(code, 1, `${name}: exit code 1`)
    t.match(stderr, says, `${name}: names the setting`)
    t.notMatch(stderr, /^\s+at /m, `${name}: no stack trace`)
    t.notMatch(stderr + stdout, token, `${name}: no secret`)
  }
})
