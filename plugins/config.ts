import fp from 'fastify-plugin'
import { ConfigError, loadConfig, type AppConfig } from '../config.js'
import { loadOrCreateApiToken } from '../services/auth/api-token.js'
import { loadOrCreateJwtSecret } from '../services/auth/jwt-secret.js'
import { prepareDataDir } from '../services/data-dir.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig & { API_TOKEN: string }
  }
}

export interface ConfigPluginOptions {
  config?: AppConfig
}

/**
 * Decorates `fastify.config`; the API token and the user-token secret are generated under
 * DATA_DIR only on the embedded setup. Elsewhere, without AUTH_JWT_SECRET or AUTH_JWKS_URL, user
 * tokens are simply not accepted.
 */
export default fp<ConfigPluginOptions>(async function configPlugin (fastify, opts) {
  const config = opts.config ?? loadConfig()
  const embedded = config.embeddedStorage && config.MONGODB_URL === undefined
  if (config.embeddedStorage || config.MONGODB_URL === undefined) prepareDataDir(config.DATA_DIR)
  let apiToken = config.API_TOKEN
  if (apiToken === undefined) {
    if (!embedded) {
      throw new ConfigError('Invalid configuration: API_TOKEN is required when S3_ENDPOINT_URL or MONGODB_URL is set')
    }
    apiToken = loadOrCreateApiToken(config.DATA_DIR)
  }
  let jwtSecret = config.AUTH_JWT_SECRET
  if (jwtSecret === undefined && config.AUTH_JWKS_URL === undefined && embedded) jwtSecret = loadOrCreateJwtSecret(config.DATA_DIR)
  fastify.decorate('config', { ...config, API_TOKEN: apiToken, AUTH_JWT_SECRET: jwtSecret })
}, { name: 'config' })
