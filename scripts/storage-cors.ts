import { loadConfig } from '../config.js'
import { createStorage } from '../services/storage/create-storage.js'
import { corsOrigins } from '../services/storage/cors-origins.js'
import { parseCommandOptions } from './cli-options.js'

const USAGE = `Usage: npm run storage:cors [-- --help]

Sets the bucket's CORS rules (GET, HEAD, PUT; all headers; ETag exposed; max age 3000 s) to
CORS_ORIGINS, so web pages on those origins may PUT renders straight to the bucket. It replaces the
bucket's CORS configuration. The embedded server applies CORS_ORIGINS itself at start.

Settings read (environment, then ./.env): CORS_ORIGINS, S3_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY,
S3_SECRET_KEY, S3_BUCKET_NAME, S3_FORCE_PATH_STYLE.`

/** Applies CORS_ORIGINS to the bucket so web pages may PUT renders straight to it. */
async function main () {
  // Strict: an option it does not know (a --dry-run it does not have) stops it before the bucket changes.
  parseCommandOptions({}, USAGE)
  const config = loadConfig({ overrides: { LOG_LEVEL: 'silent' } })
  if (config.embeddedStorage) {
    console.log('The embedded S3 server applies CORS_ORIGINS itself at start; nothing to do.')
    return
  }
  const origins = corsOrigins(config.CORS_ORIGINS)
  const storage = await createStorage(config)
  try {
    await storage.putCors(origins)
    console.log(`CORS rules set on bucket ${config.S3_BUCKET_NAME}: GET, HEAD, PUT from ${origins.join(', ')}`)
  } finally {
    await storage.close()
  }
}

main().catch((err: unknown) => {
  console.error(`Failed to set CORS rules: ${(err as Error).name}: ${(err as Error).message}`)
  process.exitCode = 1
})
