import { ConfigError, loadConfig } from '../config.js'
import { loadOrCreateJwtSecret } from '../services/auth/jwt-secret.js'
import { prepareDataDir } from '../services/data-dir.js'
import { signUserToken } from '../services/auth/sign-user-token.js'
import { parseDuration } from '../services/lifecycle/duration.js'
import { parseCommandOptions } from './cli-options.js'

const USAGE = 'Usage: npm run token -- --user <user id> [--ttl 1h]   (a user token signed with the service\'s secret; --ttl at most 30d)'
/** A user token outlives any session worth having after a month. */
const MAX_TTL_MS = 30 * 24 * 3600_000

/** `npm run token -- --user alice [--ttl 1h]`: a user token signed with the service's HS256 secret. */
async function main () {
  const values = parseCommandOptions({ user: { type: 'string' }, ttl: { type: 'string', default: '1h' } }, USAGE) as { user?: string, ttl: string }
  if (values.user === undefined || values.user === '' || values.user.length > 128) fail(USAGE)
  const ttlMs = parseDuration(values.ttl)
  if (ttlMs === null || ttlMs === 0 || ttlMs > MAX_TTL_MS) fail('--ttl must be a duration such as 90s, 30m, 1h or 7d, at most 30d')
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  if (config.AUTH_JWKS_URL !== undefined) fail('AUTH_JWKS_URL is set: user tokens come from your identity provider, not from this command')
  let secret = config.AUTH_JWT_SECRET
  if (secret === undefined) {
    if (!config.embeddedStorage || config.MONGODB_URL !== undefined) fail('Set AUTH_JWT_SECRET (or AUTH_JWKS_URL) to use user tokens outside the embedded setup')
    try {
      prepareDataDir(config.DATA_DIR)
    } catch (err) {
      if (err instanceof ConfigError) fail(err.message)
      throw err
    }
    secret = loadOrCreateJwtSecret(config.DATA_DIR)
  }
  console.log(await signUserToken({
    secret,
    userId: values.user,
    ttlSeconds: Math.ceil(ttlMs / 1000),
    issuer: config.AUTH_JWT_ISSUER,
    audience: config.AUTH_JWT_AUDIENCE
  }))
}

function fail (message: string): never {
  console.error(message)
  process.exit(1)
}

await main()
