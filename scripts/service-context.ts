import fs from 'node:fs'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import renderServiceApp from '../app.js'
import { loadConfig, type AppConfig } from '../config.js'
import { loadOrCreateApiToken } from '../services/auth/api-token.js'
import { serverOptions } from '../services/http/server-options.js'
import { EMBEDDED_S3_CREDENTIALS } from '../services/storage/embedded-s3.js'
import { rendersPrefix, uploadsPrefix } from '../services/renders/render-keys.js'
import { sqliteFileOf } from '../plugins/app/repository.js'

/**
 * The service's own plugins (config, storage, database, lifecycle) without an HTTP listener,
 * for command-line tools. When the embedded S3 server is already running (the service is up),
 * the tool talks to it instead of starting a second one on the same port and directory.
 */
export async function openServiceContext (overrides: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ overrides: { LOG_LEVEL: 'warn', CLEANUP_INTERVAL_SECONDS: 0, ...overrides } })
  // A mistyped DATA_DIR would be a new, empty database: every stored object would look like an orphan.
  if (config.MONGODB_URL === undefined && !fs.existsSync(sqliteFileOf(config.DATA_DIR))) {
    throw new Error(`DATA_DIR ${path.resolve(config.DATA_DIR)} holds no database (render-service.sqlite): set DATA_DIR to the service's. Nothing was done.`)
  }
  try {
    return await buildContext(config)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !config.embeddedStorage) throw err
    const app = await buildContext(useRunningEmbeddedServer(config))
    await refuseAnotherDataDir(app, config).catch(async (refusal: unknown) => { await app.close(); throw refusal })
    return app
  }
}

/**
 * The embedded server already on EMBEDDED_S3_PORT must be the one keeping this DATA_DIR's objects
 * (in DATA_DIR/s3): another service's would be compared with this database, and its objects taken
 * for orphans. Read-only: the objects it lists must be files under this DATA_DIR.
 */
async function refuseAnotherDataDir (app: FastifyInstance, config: AppConfig) {
  for (const prefix of [rendersPrefix(config.ENV), uploadsPrefix(config.ENV)]) {
    const { objects } = await app.storage.listObjects(prefix)
    const stranger = objects.find((object) => !fs.existsSync(path.join(config.DATA_DIR, 's3', config.S3_BUCKET_NAME, `${object.key}._S3rver_object`)))
    if (stranger !== undefined) {
      throw new Error(`The embedded S3 server on port ${config.EMBEDDED_S3_PORT} keeps another DATA_DIR's objects (${stranger.key} is not under ` +
        `${path.resolve(config.DATA_DIR)}): set DATA_DIR (or EMBEDDED_S3_PORT) to the running service's. Nothing was done.`)
    }
  }
}

/** Points the configuration at the embedded S3 server a running service already started. */
export function useRunningEmbeddedServer (config: AppConfig): AppConfig {
  return {
    ...config,
    embeddedStorage: false,
    S3_ENDPOINT_URL: `http://127.0.0.1:${config.EMBEDDED_S3_PORT}`,
    S3_ACCESS_KEY: EMBEDDED_S3_CREDENTIALS.accessKeyId,
    S3_SECRET_KEY: EMBEDDED_S3_CREDENTIALS.secretAccessKey,
    S3_FORCE_PATH_STYLE: true,
    API_TOKEN: config.API_TOKEN ?? loadOrCreateApiToken(config.DATA_DIR)
  }
}

async function buildContext (config: AppConfig) {
  const app = Fastify(serverOptions(config))
  await app.register(fp(renderServiceApp), { config })
  try {
    await app.ready()
  } catch (err) {
    await app.close().catch(() => {})
    throw err
  }
  return app
}
