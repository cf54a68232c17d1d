import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { startEmbeddedS3 } from '../../services/storage/embedded-s3.js'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

/** Runs `npm run check-storage` as a user would, from an empty directory (no .env) with this environment. */
async function checkStorage (env: Record<string, string>) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'check-storage-'))
  try {
    const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/check-storage.ts')], {
      cwd,
      env: { PATH: process.env.PATH, DATA_DIR: cwd, EMBEDDED_S3_PORT: '0', ...env }
    })
    return { exitCode: 0, stdout }
  } catch (err) {
    const failed = err as { code: number, stdout: string }
    return { exitCode: failed.code, stdout: failed.stdout }
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true })
  }
}

t.test('check-storage passes every step on the embedded server', async (t) => {
  const { exitCode, stdout } = await checkStorage({})
  t.equal(exitCode, 0, 'exits 0')
  for (const name of ['bucket reachable', 'upload', 'presigned PUT', 'public URL', 'delete test objects']) {
    t.match(stdout, new RegExp(`PASSED  ${name}`), name)
  }
  t.match(stdout, /Test PASSED/)
})

t.test('wrong keys: FAILED with the provider\'s code, the seed\'s hints, and no secret printed', async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'check-storage-s3-'))
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: 'dev/renders/' })
  t.teardown(async () => { await s3.close(); fs.rmSync(directory, { recursive: true, force: true }) })
  const secret = 'not-the-right-secret-0123456789'
  const { exitCode, stdout } = await checkStorage({
    S3_ENDPOINT_URL: s3.endpoint, S3_ACCESS_KEY: s3.accessKeyId, S3_SECRET_KEY: secret, S3_FORCE_PATH_STYLE: 'true', API_TOKEN: 'a-token-of-sixteen-chars'
  })
  t.equal(exitCode, 1)
  t.match(stdout, /FAILED  upload .* SignatureDoesNotMatch/)
  t.match(stdout, /S3_REGION must be us-east-1/)
  t.match(stdout, /SKIPPED public URL/)
  t.match(stdout, /Test FAILED/)
  t.notMatch(stdout, secret)
})
