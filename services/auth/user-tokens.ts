import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { serviceUnavailable, unauthorized } from '../errors.js'

export interface UserTokenSettings {
  /** HS256 secret (simple setups and the embedded default). */
  secret?: string
  /** An identity provider's key set; takes precedence over `secret`. */
  jwksUrl?: string
  issuer?: string
  audience?: string
  /** How long after a fetch an unknown `kid` may trigger another one (jose's cooldown). */
  jwksCooldownMs?: number
  clock?: () => Date
}

/** Asymmetric algorithms only for a key set: an HS256 token "signed" with a public key must never verify. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

/** A JWT has three base64url parts; anything else is not worth verifying as one. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)

/**
 * Verifies user tokens and returns their `sub`. Every failure is a 401 whose message names the
 * check that failed, never the token, the key or the expected values.
 */
export function createUserTokenVerifier (settings: UserTokenSettings) {
  const { clock = () => new Date() } = settings
  let key: Uint8Array | JWTVerifyGetKey
  let algorithms: string[]
  if (settings.jwksUrl !== undefined) {
    key = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: settings.jwksCooldownMs ?? 30_000 })
    algorithms = JWKS_ALGORITHMS
  } else if (settings.secret !== undefined) {
    key = new TextEncoder().encode(settings.secret)
    algorithms = ['HS256']
  } else {
    return null
  }

  return async function verifyUserToken (token: string): Promise<string> {
    let payload
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        algorithms,
        issuer: settings.issuer,
        audience: settings.audience,
        currentDate: clock(),
        requiredClaims: ['sub']
      }))
    } catch (err) {
      throw refusal(err)
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 128) throw unauthorized('The token has no valid sub claim')
    return payload.sub
  }
}

export type UserTokenVerifier = NonNullable<ReturnType<typeof createUserTokenVerifier>>

function refusal (err: unknown) {
  if (err instanceof errors.JWTExpired) return unauthorized('The token has expired')
  if (err instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(err.claim === 'nbf' ? 'The token is not valid yet' : `The token's ${err.claim} claim is not accepted`)
  }
  // jose's own errors describe the token; anything else is the key set's fetch failing.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    return serviceUnavailable('The identity provider\'s key set cannot be fetched; try again later')
  }
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized('The token is signed with an unknown key')
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized('The token\'s signing algorithm is not accepted')
  return unauthorized('The token is not valid')
}
