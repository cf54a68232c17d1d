const REDACTED = '[REDACTED]'

/** The decoded name as the query parser sees it; a name that cannot be decoded is treated as a token. */
function isTokenName (rawName: string): boolean {
  let name: string
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '))
  } catch {
    return true
  }
  return name.trim().toLowerCase() === 'token'
}

/**
 * The URL as it may be logged: every query parameter whose decoded name is `token` (`token`,
 * `tok%65n`, `%74oken`, any case) has its value masked.
 */
export function redactUrl (url: string): string {
  const start = url.indexOf('?')
  if (start === -1) return url
  const params = url.slice(start + 1).split('&').map((param) => {
    const eq = param.indexOf('=')
    const name = eq === -1 ? param : param.slice(0, eq)
    return isTokenName(name) ? `${name}=${REDACTED}` : param
  })
  return `${url.slice(0, start + 1)}${params.join('&')}`
}
