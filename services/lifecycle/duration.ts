/** The longest age a cleanup accepts: ten years (beyond it the cut-off date stops being a date). */
export const MAX_AGE_MS = 3650 * 86_400_000

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "90s", "15m", "24h", "7d" → milliseconds; null when malformed. */
export function parseDuration (text: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(text.trim())
  return match === null ? null : Number(match[1]) * UNITS_MS[match[2]]
}
