import { SignJWT } from 'jose'

export interface SignOptions {
  secret: string
  userId: string
  /** Lifetime in seconds. */
  ttlSeconds: number
  issuer?: string
  audience?: string
  now?: Date
}

/** An HS256 user token, as the embedded setup's `npm run token` prints it. */
export async function signUserToken ({ secret, userId, ttlSeconds, issuer, audience, now = new Date() }: SignOptions): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000)
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId)
    .setIssuedAt(issuedAt).setExpirationTime(issuedAt + ttlSeconds)
  if (issuer !== undefined) jwt = jwt.setIssuer(issuer)
  if (audience !== undefined) jwt = jwt.setAudience(audience)
  return jwt.sign(new TextEncoder().encode(secret))
}
