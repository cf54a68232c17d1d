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
