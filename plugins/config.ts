import fp from 'fastify-plugin'
import { ConfigError, loadConfig, type AppConfig } from '../config.js'
import { loadOrCreateApiToken } from '../services/auth/api-token.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig & { API_TOKEN: string }
  }
}

export interface ConfigPluginOptions {
  config?: AppConfig
}

/** Decorates `fastify.config`; the API token is generated under DATA_DIR only on the embedded setup. */
export default fp<ConfigPluginOptions>(async function configPlugin (fastify, opts) {
  const config = opts.config ?? loadConfig()
  let apiToken = config.API_TOKEN
  if (apiToken === undefined) {
    if (!config.embeddedStorage || config.MONGODB_URL !== undefined) {
      throw new ConfigError('Invalid configuration: API_TOKEN is required when S3_ENDPOINT_URL or MONGODB_URL is set')
    }
    apiToken = loadOrCreateApiToken(config.DATA_DIR)
  }
  fastify.decorate('config', { ...config, API_TOKEN: apiToken })
}, { name: 'config' })
