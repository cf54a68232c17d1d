let last = 0

/**
 * ISO timestamp that never repeats or goes backwards within this process, so records created in
 * the same millisecond still sort in creation order (newest-first pages rely on it).
 */
export function monotonicNow (): string {
  last = Math.max(Date.now(), last + 1)
  return new Date(last).toISOString()
}
