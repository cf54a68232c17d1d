import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { startEmbeddedS3 } from '../../services/storage/embedded-s3.js'
import { createS3Storage } from '../../services/storage/s3-storage.js'
import { NO_CHILD_COVERAGE } from '../support/child-env.js'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

/** Runs `npm run check-storage` as a user would, from an empty directory (no .env) with this environment. */
async function checkStorage (env: Record<string, string>, args: string[] = []) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'check-storage-'))
  try {
    const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/check-storage.ts'), ...args], {
      cwd,
      env: { PATH: process.env.PATH, ...NO_CHILD_COVERAGE, DATA_DIR: cwd, EMBEDDED_S3_PORT: '0', ...env }
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
  for (const name of ['bucket reachable', 'upload', 'presigned PUT', 'public URL', 'private object', 'an upload URL refuses headers it did not sign', 'delete test objects']) {
    t.match(stdout, new RegExp(`PASSED  ${name}`), name)
  }
  t.match(stdout, /Test PASSED/)
  t.match(stdout, /Endpoint:\s+http:\/\/127\.0\.0\.1:\d+ \(embedded S3 server\)/, 'the embedded server\'s real address')
  t.match(stdout, /Access key:\s+S3RVER \(the embedded server's built-in account\)/, 'its real access key name')
  t.notMatch(stdout, /HINT/)
})

t.test('--help explains the check and touches no storage', async (t) => {
  const { exitCode, stdout } = await checkStorage({ S3_ENDPOINT_URL: 'http://127.0.0.1:9' }, ['--help'])
  t.equal(exitCode, 0)
  t.match(stdout, /^Usage: npm run check-storage/)
  t.match(stdout, /S3_FORCE_PATH_STYLE/)
  t.notMatch(stdout, /Configuration:|PASSED  |FAILED  /, 'no check ran')
})

/** An S3 server the check talks to as an external endpoint, and a client of our own to look into it. */
async function externalS3 (t: Test, publicReads: boolean) {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'check-storage-s3-'))
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket: 'renders', corsOrigins: ['*'], publicReadPrefix: publicReads ? 'dev/renders/' : null })
  const storage = createS3Storage({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, bucket: 'renders', forcePathStyle: true, acl: 'public-read' })
  t.teardown(async () => { await storage.close(); await s3.close(); fs.rmSync(directory, { recursive: true, force: true }) })
  return { s3, storage }
}

t.test('a MinIO-looking endpoint without path style gets the S3_FORCE_PATH_STYLE hint', async (t) => {
  const { s3 } = await externalS3(t, true)
  const { port } = new URL(s3.endpoint)
  // .invalid never resolves (RFC 6761): every step fails at once, as renders.minio would.
  const { exitCode, stdout } = await checkStorage({
    S3_ENDPOINT_URL: `http://minio.invalid:${port}`, S3_ACCESS_KEY: s3.accessKeyId, S3_SECRET_KEY: s3.secretAccessKey, API_TOKEN: 'a-token-of-sixteen-chars'
  })
  t.equal(exitCode, 1, 'the steps fail')
  t.match(stdout, /HINT {4}minio\.invalid:\d+ looks like MinIO or a local S3 server: set S3_FORCE_PATH_STYLE=true/)
  t.notMatch(stdout, /X-Amz-Credential=[^…&\s]/, 'a failed step quoting a signed URL masks its credential')
  t.notMatch(stdout, /X-Amz-Signature=[0-9a-f]/, 'and its signature')
})

t.test('an endpoint named by an IP address is reached path-style without S3_FORCE_PATH_STYLE: {bucket}.{address} is no host', async (t) => {
  const { s3 } = await externalS3(t, true)
  const { exitCode, stdout } = await checkStorage({
    S3_ENDPOINT_URL: s3.endpoint, S3_ACCESS_KEY: s3.accessKeyId, S3_SECRET_KEY: s3.secretAccessKey, API_TOKEN: 'a-token-of-sixteen-chars'
  })
  t.equal(exitCode, 0, stdout)
  t.match(stdout, /Test PASSED/)
  t.notMatch(stdout, /HINT/)
  t.notMatch(stdout, /renders\.127\.0\.0\.1/, 'no virtual-hosted URL')
})

t.test('the test objects are deleted when a later step fails', async (t) => {
  const { s3, storage } = await externalS3(t, false)
  const { exitCode, stdout } = await checkStorage({
    S3_ENDPOINT_URL: s3.endpoint, S3_ACCESS_KEY: s3.accessKeyId, S3_SECRET_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true', API_TOKEN: 'a-token-of-sixteen-chars'
  })
  t.equal(exitCode, 1)
  t.match(stdout, /PASSED  presigned PUT/)
  t.match(stdout, /FAILED  public URL .* PublicReadFailed/, 'the bucket refuses unsigned reads')
  t.match(stdout, /PASSED  private object .* bare URL refused with 403/)
  t.match(stdout, /PASSED  delete test objects — 4 objects/)
  t.same((await storage.listObjects('dev/renders/')).objects, [], 'nothing left in the bucket')
  t.same((await storage.listObjects('dev/uploads/')).objects, [], 'nor in the staging prefix')
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
  t.notMatch(stdout, /HINT/, 'path style is set: no hint')
})
