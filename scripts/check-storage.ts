import { randomUUID } from 'node:crypto'
import { loadConfig, type AppConfig } from '../config.js'
import { createStorage } from '../services/storage/create-storage.js'
import type { ObjectStorage } from '../services/storage/types.js'
import { rendersPrefix } from '../services/renders/render-keys.js'
import { useRunningEmbeddedServer } from './service-context.js'
import { errorCodeOf, hintsFor } from './storage-hints.js'

const LINE = '='.repeat(60)
const TEST_BODY = Buffer.from('ID3 check-storage test object, not audio\n')

/** Shows enough of a secret to recognise it, never the secret itself. */
const mask = (value: string | undefined, visible = 4) =>
  value === undefined ? '(not set)' : `${value.slice(0, Math.min(visible, Math.floor(value.length / 4)))}…`

function printConfiguration (config: AppConfig) {
  console.log('Configuration:')
  console.log(`  Endpoint:     ${config.S3_ENDPOINT_URL ?? '(embedded S3 server)'}`)
  console.log(`  Region:       ${config.S3_REGION}`)
  console.log(`  Bucket:       ${config.S3_BUCKET_NAME}`)
  console.log(`  Access key:   ${mask(config.S3_ACCESS_KEY)}`)
  console.log(`  Secret key:   ${config.S3_SECRET_KEY === undefined ? '(not set)' : '********'}`)
  console.log(`  Environment:  ${config.ENV}`)
  console.log(`  Render ACL:   ${config.RENDER_ACL}`)
  console.log(`  Public base:  ${config.S3_PUBLIC_BASE_URL ?? '(derived from endpoint and bucket)'}\n`)
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
    console.log(`FAILED  ${name} — ${code}: ${(err as Error).message}`)
    for (const hint of hintsFor(code)) console.log(`          • ${hint}`)
    return false
  }
}

async function main () {
  const config = loadConfig({ overrides: { LOG_LEVEL: 'silent' } })
  console.log(`${LINE}\nStorage check (the seed's test_s3_upload.py for this configuration)\n${LINE}\n`)
  printConfiguration(config)
  const storage = await openStorage(config)
  const prefix = rendersPrefix(config.ENV)
  const directKey = `${prefix}check-storage-${randomUUID()}.mp3`
  const presignedKey = `${prefix}check-storage-${randomUUID()}.mp3`
  const results: boolean[] = []

  results.push(await step('bucket reachable (HeadBucket)', async () => { await storage.ping(); return config.S3_BUCKET_NAME }))
  results.push(await step(`upload ${directKey}`, async () => {
    await storage.putObject(directKey, TEST_BODY, { contentType: 'audio/mpeg' })
    const head = await storage.headObject(directKey)
    if (head?.size !== TEST_BODY.length) throw Object.assign(new Error(`HEAD says ${head?.size ?? 'missing'}`), { code: 'VerifyFailed' })
    return `verified with HEAD: ${head.size} bytes, ${head.contentType ?? 'no content type'}`
  }))
  results.push(await step('presigned PUT', async () => {
    const upload = await storage.presignPut(presignedKey, { contentType: 'audio/mpeg', contentLength: TEST_BODY.length, expiresInSeconds: 300 })
    const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: TEST_BODY })
    if (!res.ok) throw Object.assign(new Error(`storage answered ${res.status}`), { Code: /<Code>(\w+)<\/Code>/.exec(await res.text())?.[1] })
    return 'uploaded with the signed URL and headers'
  }))
  const presignedPutPassed = results[results.length - 1]
  const readStep = config.RENDER_ACL === 'private' ? 'signed GET URL' : 'public URL'
  if (!presignedPutPassed) console.log(`SKIPPED ${readStep} — nothing was uploaded to read back`)
  else results.push(await step(readStep, async () => {
    const url = config.RENDER_ACL === 'private' ? (await storage.presignGet(presignedKey, 300)).url : storage.publicUrl(presignedKey)
    const res = await fetch(url)
    const body = Buffer.from(await res.arrayBuffer())
    if (!res.ok || !body.equals(TEST_BODY)) throw Object.assign(new Error(`GET ${url} answered ${res.status}`), { code: 'PublicReadFailed' })
    return url
  }))
  results.push(await step('delete test objects', async () => {
    const outcome = await storage.deleteObjects([directKey, presignedKey])
    if (outcome.failed.length > 0) throw Object.assign(new Error(outcome.failed[0].message), { Code: outcome.failed[0].code })
    if (await storage.headObject(directKey) !== null) throw new Error('object still there after delete')
    return `${outcome.deleted.length} objects`
  }))
  await storage.close()

  const passed = results.every(Boolean)
  console.log(`\n${LINE}\n${passed ? 'Test PASSED - storage is working' : 'Test FAILED - see the hints above'}\n${LINE}`)
  process.exitCode = passed ? 0 : 1
}

main().catch((err: unknown) => {
  console.error(`FAILED  ${errorCodeOf(err)}: ${(err as Error).message}`)
  process.exitCode = 1
})
