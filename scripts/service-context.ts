import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import renderServiceApp from '../app.js'
import { loadConfig, type AppConfig } from '../config.js'
import { loadOrCreateApiToken } from '../services/auth/api-token.js'
import { serverOptions } from '../services/http/server-options.js'
import { EMBEDDED_S3_CREDENTIALS } from '../services/storage/embedded-s3.js'

/**
 * The service's own plugins (config, storage, database, lifecycle) without an HTTP listener,
 * for command-line tools. When the embedded S3 server is already running (the service is up),
 * the tool talks to it instead of starting a second one on the same port and directory.
 */
export async function openServiceContext (overrides: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ overrides: { LOG_LEVEL: 'warn', CLEANUP_INTERVAL_SECONDS: 0, ...overrides } })
  try {
    return await buildContext(config)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !config.embeddedStorage) throw err
    return buildContext(useRunningEmbeddedServer(config))
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
