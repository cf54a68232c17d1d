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

const digest = (text: string) => crypto.createHash('sha256').update(text).digest()

/**
 * A constant-time check against one expected token. Comparing digests does not leak the
 * expected token's length; the expected digest is computed once.
 */
export function tokenChecker (expected: string | undefined): (given: string | undefined) => boolean {
  if (expected === undefined) return () => false
  const expectedDigest = digest(expected)
  return (given) => given !== undefined && crypto.timingSafeEqual(digest(given), expectedDigest)
}
