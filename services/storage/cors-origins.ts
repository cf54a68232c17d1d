/** CORS_ORIGINS is a comma-separated list of origins, or "*". */
export function corsOrigins (value: string): string[] {
  return value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
}
