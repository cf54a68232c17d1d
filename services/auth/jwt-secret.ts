import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const jwtSecretFile = (dataDir: string) => path.join(dataDir, 'jwt-secret')

/** The embedded setup's user-token secret: generated once under DATA_DIR, like the API token. */
export function loadOrCreateJwtSecret (dataDir: string): string {
  const file = jwtSecretFile(dataDir)
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim()
  fs.mkdirSync(dataDir, { recursive: true })
  const secret = crypto.randomBytes(32).toString('base64url')
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}
