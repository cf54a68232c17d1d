import path from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import closeWithGrace from 'close-with-grace'
import renderServiceApp from './app.js'
import { ConfigError, DEFAULT_DATA_DIR, loadConfig, type AppConfig } from './config.js'
import { serverOptions } from './services/http/server-options.js'
import { StorageConfigError, StorageUnavailableError } from './services/errors.js'

async function start () {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    exitWith(err.message)
  }

  const app = Fastify(serverOptions(config))
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    await app.close()
  })

  try {
    await app.register(fp(renderServiceApp), { config })
    await app.ready()
  } catch (err) {
    if (err instanceof ConfigError) exitWith(err.message)
    // Only the embedded S3 server listens before the API does.
    if (isPortTaken(err)) exitWith(portTakenMessage('EMBEDDED_S3_PORT', config.EMBEDDED_S3_PORT, 'the embedded S3 server'))
    throw err
  }
  let address: string
  try {
    address = await app.listen({ host: config.HOST, port: config.PORT })
  } catch (err) {
    if (isPortTaken(err)) exitWith(portTakenMessage('PORT', config.PORT, `the API (HOST ${config.HOST})`))
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES') exitWith(`Cannot start: this user may not listen on port ${config.PORT}. Set PORT to 1024 or above, e.g. PORT=3000 npm start`)
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL') {
      exitWith(`Cannot start: HOST ${config.HOST} is not an address of this machine (${code}). ` +
        'Set HOST to 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)')
    }
    throw err
  }
  announce(app, address, config.API_TOKEN === undefined, config.AUTH_JWT_SECRET === undefined)
  await warnIfStorageUnusable(app)
}

/**
 * Storage is checked once at start (HeadBucket): a wrong key, bucket or endpoint is said at once,
 * not at the first user's upload. The service still starts, as storage may come up later; /ready
 * reports it meanwhile.
 */
async function warnIfStorageUnusable (app: Awaited<ReturnType<typeof Fastify>>) {
  try {
    await app.storage.ping()
  } catch (err) {
    const cause = err instanceof StorageConfigError
      ? `${err.providerCode}: check ${err.setting}`
      : err instanceof StorageUnavailableError ? `${err.providerCode}: unreachable or failing` : (err as Error).message
    console.error(`Warning: storage is not usable (${cause}); uploads fail until it is. Run npm run check-storage for the details.`)
  }
}

function isPortTaken (err: unknown) {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
}

function portTakenMessage (variable: 'PORT' | 'EMBEDDED_S3_PORT', port: number, what: string) {
  return `Cannot start: port ${port} for ${what} is already in use (is another render service running?). ` +
    `Set ${variable} to a free port, e.g. ${variable}=${port + 1} npm start`
}

function exitWith (message: string): never {
  console.error(message)
  process.exit(1)
}

/** What a newcomer needs to try the service: where it is, the token, where the data and the files live. */
function announce (app: Awaited<ReturnType<typeof Fastify>>, address: string, tokenGenerated: boolean, jwtSecretUnset: boolean) {
  const { config } = app
  const lines = [
    `Render service listening on ${address}  (API docs: ${address}/docs)`,
    `Database: ${config.MONGODB_URL !== undefined ? 'MongoDB' : `SQLite at ${config.DATA_DIR}/render-service.sqlite`}`,
    `Storage: ${storageEndpoint(app)}`,
    `Render URLs: ${app.storage.publicUrl('')}… (${publicBaseSource(config)})`
  ]
  if (tokenGenerated) {
    lines.push(`API token (generated, kept in ${config.DATA_DIR}/api-token): ${config.API_TOKEN}`)
  }
  lines.push(`User tokens: ${userTokenSource(config, jwtSecretUnset)}`)
  console.log(lines.join('\n'))
}

function userTokenSource (config: AppConfig, jwtSecretUnset: boolean) {
  if (config.AUTH_JWKS_URL !== undefined) return 'JWTs verified with the key set at AUTH_JWKS_URL'
  if (config.AUTH_JWT_SECRET === undefined) return 'off (set AUTH_JWT_SECRET or AUTH_JWKS_URL)'
  const where = jwtSecretUnset ? `secret generated in ${config.DATA_DIR}/jwt-secret` : 'AUTH_JWT_SECRET'
  // The command reads the secret where this service keeps it only when it is given the same folder.
  const dataDir = config.DATA_DIR === path.resolve(DEFAULT_DATA_DIR) ? '' : `DATA_DIR=${path.relative(process.cwd(), config.DATA_DIR) || '.'} `
  return `HS256 (${where}); get one with: ${dataDir}npm run token -- --user alice [--ttl 1h]`
}

function storageEndpoint (app: Awaited<ReturnType<typeof Fastify>>) {
  const { config } = app
  if (!config.embeddedStorage) return `bucket ${config.S3_BUCKET_NAME} at ${config.S3_ENDPOINT_URL}`
  return `embedded S3 server at ${app.storage.endpoint}/${config.S3_BUCKET_NAME} (objects in ${config.DATA_DIR}/s3)`
}

function publicBaseSource (config: AppConfig) {
  if (config.S3_PUBLIC_BASE_URL !== undefined) return 'S3_PUBLIC_BASE_URL'
  const privateNote = config.RENDER_ACL === 'private' ? '; RENDER_ACL=private serves signed URLs instead' : ''
  return `derived from the endpoint and bucket; set S3_PUBLIC_BASE_URL for a CDN${privateNote}`
}

start().catch((err) => {
  console.error('Failed to start:', err instanceof Error ? err.message : err)
  process.exit(1)
})
