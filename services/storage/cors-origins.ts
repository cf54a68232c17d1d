/** An origin as browsers send it: scheme://host[:port], nothing after. */
const ORIGIN = /^https?:\/\/[^/\s?#]+$/

/** CORS_ORIGINS is a comma-separated list of origins, or "*"; anything else is refused, naming the variable. */
export function corsOrigins (value: string): string[] {
  const origins = value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
  if (origins.length === 0) throw new Error('CORS_ORIGINS is empty: set "*" or origins such as https://app.example.com')
  for (const origin of origins) {
    if (origin !== '*' && !ORIGIN.test(origin)) throw new Error(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], e.g. https://app.example.com)`)
  }
  return origins
}
