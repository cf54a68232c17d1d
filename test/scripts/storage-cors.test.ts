import { execFile } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { NO_CHILD_COVERAGE } from '../support/child-env.js'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

/** `npm run storage:cors` with these arguments, against an endpoint nothing listens on: any bucket call would fail. */
async function storageCors (args: string[]) {
  return run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/storage-cors.ts'), ...args], {
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, S3_ENDPOINT_URL: 'http://127.0.0.1:9', S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret', API_TOKEN: 'a-token-of-sixteen-chars' }
  }).then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (err: { code: number, stdout: string, stderr: string }) => err)
}

t.test('storage:cors --help explains itself and touches no bucket', async (t) => {
  const { code, stdout } = await storageCors(['--help'])
  t.equal(code, 0)
  t.match(stdout, /^Usage: npm run storage:cors/)
  t.match(stdout, /replaces the\s+bucket's CORS configuration/)
  t.notMatch(stdout, /CORS rules set/)
})

t.test('storage:cors refuses an option it does not have before any bucket call', async (t) => {
  const { code, stderr } = await storageCors(['--dry-run'])
  t.equal(code, 1)
  t.match(stderr, /Unknown option '--dry-run'[\s\S]*Usage: npm run storage:cors/)
  t.notMatch(stderr, /Failed to set CORS rules/, 'it never tried')
})
