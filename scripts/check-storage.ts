import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { loadConfig, type AppConfig } from '../config.js'
import { createStorage } from '../services/storage/create-storage.js'
import { EMBEDDED_S3_CREDENTIALS } from '../services/storage/embedded-s3.js'
import type { ObjectStorage } from '../services/storage/types.js'
import { rendersPrefix, uploadsPrefix } from '../services/renders/render-keys.js'
import { useRunningEmbeddedServer } from './service-context.js'
import { errorCodeOf, hintsFor, pathStyleHint } from './storage-hints.js'

const LINE = '='.repeat(60)
const TEST_BODY = Buffer.from('ID3 check-storage test object, not audio\n')
/** A hung endpoint or CDN becomes a failed step (and the test objects are still deleted). */
const FETCH_TIMEOUT_MS = 30_000

const USAGE = `Usage: npm run check-storage [-- --help]

Checks the storage the service is configured for (environment, then ./.env), step by step:
bucket reachable (HeadBucket), upload + HEAD, presigned PUT, public or signed GET, a private
object's bare URL refused, an upload URL refusing an x-amz-* header it did not sign, delete.
Each step prints PASSED or FAILED with the provider's error code and the usual causes; secrets
are masked. The test objects ({ENV}/renders/check-storage-*, {ENV}/uploads/check-storage-*) are
deleted whichever step fails.

Settings read: S3_ENDPOINT_URL (unset: the embedded server on EMBEDDED_S3_PORT, objects in
DATA_DIR), S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET_NAME, S3_FORCE_PATH_STYLE,
S3_PUBLIC_BASE_URL, RENDER_ACL, ENV.

Exit code: 0 when every step passed, 1 otherwise.`

/** Shows enough of a secret to recognise it, never the secret itself. */
const mask = (value: string | undefined, visible = 4) =>
  value === undefined ? '(not set)' : `${value.slice(0, Math.min(visible, Math.floor(value.length / 4)))}…`

function printConfiguration (config: AppConfig, storage: ObjectStorage) {
  // The embedded server's account is public knowledge (s3rver's built-in one), so it is shown whole.
  const accessKey = config.embeddedStorage
    ? `${EMBEDDED_S3_CREDENTIALS.accessKeyId} (the embedded server's built-in account)`
    : mask(config.S3_ACCESS_KEY)
  const secretKey = config.embeddedStorage ? '(built in)' : config.S3_SECRET_KEY === undefined ? '(not set)' : '********'
  console.log('Configuration:')
  console.log(`  Endpoint:     ${config.embeddedStorage ? `${storage.endpoint} (embedded S3 server)` : config.S3_ENDPOINT_URL}`)
  console.log(`  Region:       ${config.S3_REGION}`)
  console.log(`  Bucket:       ${config.S3_BUCKET_NAME}`)
  console.log(`  Path style:   ${config.S3_FORCE_PATH_STYLE ? 'yes (endpoint/bucket/key)' : 'no (bucket.endpoint/key)'}`)
  console.log(`  Access key:   ${accessKey}`)
  console.log(`  Secret key:   ${secretKey}`)
  console.log(`  Environment:  ${config.ENV}`)
  console.log(`  Render ACL:   ${config.RENDER_ACL}`)
  console.log(`  Public base:  ${config.S3_PUBLIC_BASE_URL ?? `${storage.publicUrl('')} (derived from endpoint and bucket)`}\n`)
  const hint = pathStyleHint(config.S3_ENDPOINT_URL, config.S3_FORCE_PATH_STYLE)
  if (hint !== undefined) console.log(`HINT    ${hint}\n`)
}

async function openStorage (config: AppConfig): Promise<ObjectStorage> {
  try {
    return await createStorage(config)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    return createStorage(useRunningEmbeddedServer(config))
  }
}

async function step (name: string, run: () => Promise<string | undefined>): Promise<boolean> {
  try {
    const detail = await run()
    console.log(`PASSED  ${name}${detail !== undefined ? ` — ${detail}` : ''}`)
    return true
  } catch (err) {
    const code = errorCodeOf(err)
    // An error may quote a signed URL: its credential (the access key) and signature are masked.
    const message = (err as Error).message.replace(/(X-Amz-(?:Credential|Signature|Security-Token)=)[^&\s]+/gi, '$1…')
    console.log(`FAILED  ${name} — ${code}: ${message}`)
    for (const hint of hintsFor(code)) console.log(`          • ${hint}`)
    return false
  }
}

async function main () {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h', default: false } } })
  if (values.help) return console.log(USAGE)
  const config = loadConfig({ overrides: { LOG_LEVEL: 'silent' } })
  console.log(`${LINE}\nStorage check (the seed's test_s3_upload.py for this configuration)\n${LINE}\n`)
  const storage = await openStorage(config)
  printConfiguration(config, storage)
  const prefix = rendersPrefix(config.ENV)
  const directKey = `${prefix}check-storage-${randomUUID()}.mp3`
  const stagingKey = `${uploadsPrefix(config.ENV)}check-storage-${randomUUID()}.mp3`
  const presignedKey = `${prefix}check-storage-${randomUUID()}.mp3`
  const probeKey = `${uploadsPrefix(config.ENV)}check-storage-${randomUUID()}.mp3`
  const results: boolean[] = []

  try {
    await runChecks(config, storage, { directKey, stagingKey, presignedKey, probeKey }, results)
  } finally {
    results.push(await step('delete test objects', async () => {
      const keys = [directKey, stagingKey, presignedKey, probeKey]
      const outcome = await storage.deleteObjects(keys)
      if (outcome.failed.length > 0) throw Object.assign(new Error(outcome.failed[0].message), { Code: outcome.failed[0].code })
      for (const key of keys) {
        if (await storage.headObject(key) !== null) throw new Error(`${key} still there after delete`)
      }
      return `${outcome.deleted.length} objects`
    }))
    await storage.close()
  }

  const passed = results.every(Boolean)
  console.log(`\n${LINE}\n${passed ? 'Test PASSED - storage is working' : 'Test FAILED - see the hints above'}\n${LINE}`)
  process.exitCode = passed ? 0 : 1
}

async function runChecks (config: AppConfig, storage: ObjectStorage, keys: { directKey: string, stagingKey: string, presignedKey: string, probeKey: string }, results: boolean[]) {
  const { directKey, stagingKey, presignedKey, probeKey } = keys
  results.push(await step('bucket reachable (HeadBucket)', async () => { await storage.ping(); return config.S3_BUCKET_NAME }))
  results.push(await step(`upload ${directKey}`, async () => {
    await storage.putObject(directKey, TEST_BODY, { contentType: 'audio/mpeg' })
    const head = await storage.headObject(directKey)
    if (head?.size !== TEST_BODY.length) throw Object.assign(new Error(`HEAD says ${head?.size ?? 'missing'}`), { code: 'VerifyFailed' })
    return `verified with HEAD: ${head.size} bytes, ${head.contentType ?? 'no content type'}`
  }))
  results.push(await step('presigned PUT, then server-side copy (what complete does)', async () => {
    const upload = await storage.presignPut(stagingKey, { contentType: 'audio/mpeg', contentLength: TEST_BODY.length, expiresInSeconds: 300 })
    const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: TEST_BODY, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    if (!res.ok) throw Object.assign(new Error(`storage answered ${res.status}`), { Code: /<Code>(\w+)<\/Code>/.exec(await res.text())?.[1] })
    if (!await storage.copyObject(stagingKey, presignedKey, { contentType: 'audio/mpeg' })) throw Object.assign(new Error('the uploaded object was not found to copy'), { code: 'CopyFailed' })
    return `uploaded to ${stagingKey} with the signed URL and headers, copied to ${presignedKey}`
  }))
  const presignedPutPassed = results[results.length - 1]
  const readStep = config.RENDER_ACL === 'private' ? 'signed GET URL' : 'public URL'
  if (!presignedPutPassed) return console.log(`SKIPPED ${readStep} — nothing was uploaded to read back`)
  results.push(await step(readStep, async () => {
    const url = config.RENDER_ACL === 'private' ? (await storage.presignGet(presignedKey, 300)).url : storage.publicUrl(presignedKey)
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    const body = Buffer.from(await res.arrayBuffer())
    if (!res.ok || !body.equals(TEST_BODY)) throw Object.assign(new Error(`GET ${url} answered ${res.status}`), { code: 'PublicReadFailed' })
    return url
  }))
  results.push(await step('private object (a private thread\'s render): signed GET plays, bare URL refused', async () => {
    await storage.setObjectAcl(presignedKey, 'private')
    const signed = await fetch((await storage.presignGet(presignedKey, 300)).url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    if (!signed.ok || !Buffer.from(await signed.arrayBuffer()).equals(TEST_BODY)) {
      throw Object.assign(new Error(`the signed GET answered ${signed.status}`), { code: 'SignedReadFailed' })
    }
    const bare = await fetch(storage.publicUrl(presignedKey), { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    await bare.arrayBuffer()
    if (bare.ok) {
      throw Object.assign(new Error('the bare URL of a private object was served: a bucket policy or CDN makes the prefix public, or the store ignores object ACLs (MinIO)'),
        { code: 'PrivateObjectReadable' })
    }
    return `bare URL refused with ${bare.status}`
  }))
  results.push(await step('an upload URL refuses headers it did not sign (no copy of another object through it)', async () => {
    const upload = await storage.presignPut(probeKey, { contentType: 'audio/mpeg', contentLength: TEST_BODY.length, expiresInSeconds: 300 })
    const res = await fetch(upload.url, {
      method: 'PUT',
      headers: { ...upload.headers, 'x-amz-copy-source': `/${config.S3_BUCKET_NAME}/${presignedKey}` },
      body: TEST_BODY,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS)
    })
    await res.arrayBuffer()
    if (res.ok || await storage.headObject(probeKey) !== null) {
      throw Object.assign(new Error('storage took an upload URL with an x-amz-copy-source header it did not sign: anyone with an upload URL could copy an object they cannot read (a private render) into their upload'),
        { code: 'UnsignedHeaderAccepted' })
    }
    return `refused with ${res.status}`
  }))
}

main().catch((err: unknown) => {
  console.error(`FAILED  ${errorCodeOf(err)}: ${(err as Error).message}`)
  process.exitCode = 1
})
