/** 75.4 → "1:15". */
export function clockTime (seconds: number) {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00'
  const whole = Math.floor(seconds)
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

export function errorText (err: unknown) {
  return err instanceof Error ? err.message : String(err)
}
