import { execFile } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { bearer, build } from '../helper.js'
import { NO_CHILD_COVERAGE } from '../support/child-env.js'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)
const token = (dataDir: string, ...args: string[]) => run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/token.ts'), ...args], {
  cwd: os.tmpdir(),
  env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, DATA_DIR: dataDir }
})

t.test('npm run token -- --user alice prints a token the embedded service accepts as alice', async (t) => {
  const { app, dataDir } = await build(t, { AUTH_JWT_SECRET: undefined })
  const { stdout } = await token(dataDir, '--user', 'alice', '--ttl', '10m')
  const me = await app.inject({ url: '/api/v1/me', headers: bearer(stdout.trim()) })
  t.equal(me.statusCode, 200)
  t.same(me.json(), { user_id: 'alice', kind: 'user' })
  const claims = JSON.parse(Buffer.from(stdout.trim().split('.')[1], 'base64url').toString())
  t.equal(claims.exp - claims.iat, 600, '--ttl 10m')
})

t.test('without --user it prints the usage and fails', async (t) => {
  const failed = await token(os.tmpdir()).then(() => null, (err: { code: number, stderr: string }) => err)
  t.equal(failed?.code, 1)
  t.match(failed?.stderr, /Usage: npm run token -- --user <user id>/)
})

t.test('npm run token answers --help and mistakes with its usage, not a stack trace, and caps --ttl at 30 days', async (t) => {
  for (const args of [['--help'], ['--tll', '1h'], ['alice'], ['--user', 'alice', '--ttl', '99999d']]) {
    const result = await token(path.join(os.tmpdir(), `token-help-${process.pid}`), ...args).then(({ stdout }) => ({ code: 0, out: stdout }), (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }))
    t.match(result.out, args[0] === '--help' ? /^Usage: npm run token/ : /Usage: npm run token|--ttl must be .* at most 30d/, args.join(' '))
    t.equal(result.code, args[0] === '--help' ? 0 : 1)
    t.notMatch(result.out, /^\s+at /m, 'no stack trace')
  }
})

t.test('a DATA_DIR that cannot hold the secret gets one line naming it, not a hang or a stack trace', async (t) => {
  const dataDirs = ['/dev/null/data', ...(process.platform === 'linux' ? ['/proc/no-such-dir/data'] : [])]
  for (const dataDir of dataDirs) {
    const failed = await token(dataDir, '--user', 'alice').then(() => null, (err: { code: number, stderr: string }) => err)
    t.equal(failed?.code, 1, dataDir)
    t.match(failed?.stderr, new RegExp(`DATA_DIR ${dataDir} cannot be used as a writable directory`))
    t.notMatch(failed?.stderr, /^\s+at /m, 'no stack trace')
  }
})
