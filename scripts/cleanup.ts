import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { MAX_AGE_MS, parseDuration } from '../services/lifecycle/duration.js'
import { openServiceContext } from './service-context.js'
import { formatSweepReport } from './sweep-report.js'

const USAGE = 'Usage: npm run cleanup -- [--dry-run] [--older-than 24h]'

async function main () {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      'older-than': { type: 'string' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) return console.log(USAGE)
  const olderThanMs = values['older-than'] !== undefined ? parseDuration(values['older-than']) : undefined
  if (olderThanMs === null || (olderThanMs !== undefined && olderThanMs > MAX_AGE_MS)) throw new Error(`--older-than must look like 30m, 24h or 7d, at most 3650d\n${USAGE}`)

  const app = await openServiceContext()
  const minAgeMs = app.config.CLEANUP_MIN_AGE_SECONDS * 1000
  if (!values['dry-run'] && olderThanMs !== undefined && olderThanMs < minAgeMs) {
    await app.close()
    // As the admin endpoint: younger objects may be uploads a client is about to attach.
    throw new Error(`--older-than must be at least CLEANUP_MIN_AGE_SECONDS (${app.config.CLEANUP_MIN_AGE_SECONDS} s) for a real run; a --dry-run may look closer\n${USAGE}`)
  }
  const bar = process.stdout.isTTY
    ? new cliProgress.SingleBar({ format: 'Scanning renders | {value} objects', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined
  bar?.start(0, 0)
  try {
    const summary = await app.sweep({
      ...app.defaultSweepOptions,
      ...(olderThanMs !== undefined ? { orphanGraceMs: olderThanMs } : {}),
      dryRun: values['dry-run'],
      onProgress: ({ scanned }) => { bar?.setTotal(scanned); bar?.update(scanned) }
    })
    bar?.stop()
    if (summary.status === 'lease_held') {
      console.error('Another cleanup holds the lease (a server or another CLI is sweeping); try again later.')
      process.exitCode = 3
      return
    }
    const olderThan = values['older-than'] ?? `${Math.round(app.defaultSweepOptions.orphanGraceMs / 1000)}s, ORPHAN_GRACE_SECONDS`
    console.log(formatSweepReport(summary, olderThan).join('\n'))
  } finally {
    bar?.stop()
    await app.close()
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
