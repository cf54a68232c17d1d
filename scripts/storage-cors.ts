import { loadConfig } from '../config.js'
import { createStorage } from '../services/storage/create-storage.js'
import { corsOrigins } from '../services/storage/cors-origins.js'

/** Applies CORS_ORIGINS to the bucket so web pages may PUT renders straight to it. */
async function main () {
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
