import type { SweepSummary } from '../services/lifecycle/sweeper.js'

/** How many keys a dry run lists before "… and N more". */
export const KEYS_SHOWN = 20

/**
 * What the sweeper may also report, once it collects them: the keys a dry run would delete
 * (first ones) and how many there are in all. Printed when present.
 */
export interface SweepReport extends SweepSummary {
  would_delete?: string[]
  would_delete_count?: number
}

const LABELS: Array<[keyof SweepSummary, string]> = [
  ['expired_uploads', 'pending uploads past their URL\'s expiry'],
  ['unattached_renders', 'renders never attached to a message'],
  ['repaired', 'attaches and deletes a crash interrupted, finished'],
  ['acl_reconciled', 'render ACLs brought to their thread\'s visibility'],
  ['scanned_objects', 'objects listed in storage'],
  ['orphan_objects', 'orphan objects (no render knows them)'],
  ['deleted_objects', 'objects deleted'],
  ['failed_deletions', 'deletions that failed (retried later)'],
  ['kept_in_use', 'queued objects kept (in use again)'],
  ['missing_object_count', 'renders whose object is missing']
]
const DRY_RUN_SKIPS = new Set<keyof SweepSummary>(['repaired', 'acl_reconciled', 'deleted_objects', 'failed_deletions', 'kept_in_use'])

/** The sweep summary as lines a person reads: counts with labels, and for a dry run the keys it would delete. */
export function formatSweepReport (summary: SweepReport, olderThan: string): string[] {
  const dryRun = summary.dry_run
  const lines = [dryRun
    ? `Dry run (older than ${olderThan}): nothing was deleted. What a real run would act on:`
    : `Cleanup (older than ${olderThan}) finished${summary.resumed ? ' (listing resumed where the last sweep stopped)' : ''}:`]
  const rows = LABELS.filter(([field]) => !(dryRun && DRY_RUN_SKIPS.has(field)))
  const width = Math.max(...rows.map(([field]) => String(summary[field]).length))
  for (const [field, label] of rows) lines.push(`  ${String(summary[field]).padStart(width)}  ${label}`)

  if (summary.would_delete !== undefined) {
    const total = summary.would_delete_count ?? summary.would_delete.length
    const shown = summary.would_delete.slice(0, KEYS_SHOWN)
    lines.push(total === 0
      ? 'Keys it would delete: none'
      : `Keys it would delete (${total}${shown.length < total ? `, first ${shown.length}` : ''}):`)
    lines.push(...shown.map((key) => `  ${key}`))
    if (shown.length < total) lines.push(`  … and ${total - shown.length} more`)
  } else if (dryRun) {
    lines.push('(this sweeper reports counts only, not the keys)')
  }
  if (summary.missing_objects.length > 0) {
    lines.push(`Renders whose object is missing (${summary.missing_object_count}${summary.missing_objects.length < summary.missing_object_count ? `, first ${summary.missing_objects.length}` : ''}):`)
    lines.push(...summary.missing_objects.map((key) => `  ${key}`))
  }
  return lines
}
