import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * The embedded setup needs no accounts: without API_TOKEN we generate one once and keep it
 * under DATA_DIR, so restarts keep working with the same token.
 */
export function loadOrCreateApiToken (dataDir: string): string {
  const file = path.join(dataDir, 'api-token')
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim()
  fs.mkdirSync(dataDir, { recursive: true })
  const token = crypto.randomBytes(24).toString('base64url')
  fs.writeFileSync(file, token + '\n', { mode: 0o600 })
  return token
}

/** Constant-time comparison that does not leak the expected token's length. */
export function tokenMatches (given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined) return false
  const a = crypto.createHash('sha256').update(given).digest()
  const b = crypto.createHash('sha256').update(expected).digest()
  return crypto.timingSafeEqual(a, b)
}
