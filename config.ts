import fs from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import dotenv from 'dotenv'
import envSchema from 'env-schema'
import { Type, type Static } from 'typebox'
import { corsOrigins } from './services/storage/cors-origins.js'

export const DEFAULT_DATA_DIR = './data'

const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' }
  ),
  ENV: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', default: 'dev', description: 'lower-case letters, digits, - and _ (it prefixes every key)' }),
  DATA_DIR: Type.String({ minLength: 1, default: DEFAULT_DATA_DIR }),
  API_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** HS256 secret for user tokens; unset with no AUTH_JWKS_URL: generated under DATA_DIR on the embedded setup. */
  AUTH_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** The identity provider's key set (RS256, ES256, EdDSA…); takes precedence over AUTH_JWT_SECRET. */
  AUTH_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'an http(s) URL' })),
  AUTH_JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  /** Seconds after a key-set fetch before a token with an unknown `kid` may trigger another fetch. */
  AUTH_JWKS_COOLDOWN_SECONDS: Type.Integer({ minimum: 0, default: 30 }),
  /** API_TOKEN acts as the user_id a request names (the original system's clients); false refuses it on user routes. */
  API_TOKEN_ACTS_AS_ANY_USER: Type.Boolean({ default: true }),
  /** Bytes of live renders one user may hold (pending uploads count with their declared size); unset: unlimited. */
  USER_QUOTA_BYTES: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Requests per user per window on the upload routes; 0 turns the limit off. */
  UPLOAD_RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 60 }),
  UPLOAD_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** It names its database: mongodb://host:27017/renders */
  MONGODB_URL: Type.Optional(Type.String({ pattern: '^mongodb(\\+srv)?://[^/]+/[^/?]+', description: 'a mongodb:// or mongodb+srv:// URL naming its database, e.g. mongodb://host:27017/renders' })),
  S3_ENDPOINT_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+/?$', description: 'an http(s) origin without a path, e.g. https://nyc3.digitaloceanspaces.com' })),
  S3_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  S3_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  S3_BUCKET_NAME: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', default: 'renders', description: 'a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens' }),
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: false }),
  S3_PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'an http(s) URL' })),
  EMBEDDED_S3_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4568 }),
  MAX_UPLOAD_BYTES: Type.Integer({ minimum: 1, default: 100 * 1024 * 1024 }),
  RENDER_ACL: Type.Union([Type.Literal('public-read'), Type.Literal('private')], { default: 'public-read' }),
  UPLOAD_URL_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 900 }),
  /** Lifetime of the signed GET URLs of private renders (SigV4 allows at most 7 days). */
  PRIVATE_RENDER_URL_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 604_800, default: 3600 }),
  CORS_ORIGINS: Type.String({ default: '*' }),
  CLEANUP_INTERVAL_SECONDS: Type.Integer({ minimum: 0, default: 3600 }),
  CLEANUP_MIN_AGE_SECONDS: Type.Integer({ minimum: 0, default: 900 }),
  ORPHAN_GRACE_SECONDS: Type.Integer({ minimum: 0, default: 24 * 3600 }),
  /** Worker threads decoding renders for their waveform. */
  ANALYSIS_THREADS: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
  /** How often this instance looks for due analyses besides when a render is verified; 0: it analyses nothing (another instance does). */
  ANALYSIS_INTERVAL_SECONDS: Type.Integer({ minimum: 0, default: 30 }),
  /** Comma-separated public bases used in the past; renders of the original system may carry urls under them. */
  LEGACY_PUBLIC_BASES: Type.String({ default: '' })
})

export type AppConfig = Static<typeof ConfigSchema> & {
  /** True when no S3_ENDPOINT_URL is set and the service runs its own S3 server. */
  embeddedStorage: boolean
}

export interface LoadConfigOptions {
  /** Values that take precedence over the environment (tests, CLIs). */
  overrides?: Record<string, unknown>
  /** Read process.env and ./.env; tests turn this off to stay hermetic. */
  fromEnvironment?: boolean
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig ({ overrides = {}, fromEnvironment = true }: LoadConfigOptions = {}): AppConfig {
  let raw: Static<typeof ConfigSchema>
  try {
    raw = envSchema<Static<typeof ConfigSchema>>({
      schema: ConfigSchema,
      env: false,
      data: dropEmpty({ ...(fromEnvironment ? { ...readDotenvFile(), ...process.env } : {}), ...overrides })
    })
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${describeInvalidVariables(err as Error & { errors?: SchemaError[] })}`)
  }
  try {
    corsOrigins(raw.CORS_ORIGINS)
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`)
  }
  checkSecretsDiffer(raw)
  const embeddedStorage = raw.S3_ENDPOINT_URL === undefined
  if (!embeddedStorage) {
    for (const name of ['S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) {
      if (raw[name] === undefined) throw new ConfigError(`Invalid configuration: ${name} is required when S3_ENDPOINT_URL is set`)
    }
  }
  return {
    ...raw,
    DATA_DIR: path.resolve(raw.DATA_DIR),
    S3_FORCE_PATH_STYLE: embeddedStorage || raw.S3_FORCE_PATH_STYLE || isAddressEndpoint(raw.S3_ENDPOINT_URL!),
    embeddedStorage
  }
}

/** What env-schema's Ajv reports of each failed check. */
interface SchemaError { instancePath: string, keyword: string, message?: string }

/** One phrase per variable, in schema order; an enum lists its values, a pattern says what it wants. Values are never quoted: some are secrets. */
function describeInvalidVariables (err: Error & { errors?: SchemaError[] }): string {
  if (err.errors === undefined) return err.message
  const properties = ConfigSchema.properties as Record<string, { anyOf?: Array<{ const?: unknown }>, description?: string }>
  const phrases = new Map<string, string>()
  for (const error of err.errors) {
    const name = error.instancePath.replace(/^\//, '')
    if (phrases.has(name)) continue
    const choices = properties[name]?.anyOf?.map((option) => option.const)
    const described = error.keyword === 'pattern' ? properties[name]?.description : undefined
    phrases.set(name, choices !== undefined
      ? `must be one of ${choices.join(', ')}`
      : described !== undefined ? `must be ${described}` : error.message ?? 'is invalid')
  }
  return Object.keys(properties).filter((name) => phrases.has(name)).map((name) => `${name} ${phrases.get(name)}`).join('; ')
}

/**
 * Each credential opens a different door; one value set twice would let whoever holds the lesser
 * one through both (an API client made admin, a metrics scraper minting user tokens).
 */
const DISTINCT_SECRETS = ['API_TOKEN', 'ADMIN_TOKEN', 'METRICS_TOKEN', 'AUTH_JWT_SECRET'] as const

function checkSecretsDiffer (config: Static<typeof ConfigSchema>) {
  DISTINCT_SECRETS.forEach((name, index) => {
    const same = DISTINCT_SECRETS.slice(0, index).find((earlier) => config[earlier] !== undefined && config[earlier] === config[name])
    if (same !== undefined) throw new ConfigError(`Invalid configuration: ${name} must differ from ${same}; with one value, whoever holds one holds both`)
  })
}

/** An endpoint named by an IP address or localhost has no {bucket}.{host} names: only path-style requests reach it. */
function isAddressEndpoint (endpoint: string) {
  const { hostname } = new URL(endpoint)
  return hostname === 'localhost' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0
}

/** A variable set to an empty string in .env means "unset", as it does in the seed's .env files. */
function dropEmpty (values: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined && value !== ''))
}

function readDotenvFile (): Record<string, string> {
  const file = path.resolve('.env')
  return fs.existsSync(file) ? dotenv.parse(fs.readFileSync(file)) : {}
}
