import { parseArgs, type ParseArgsConfig } from 'node:util'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * A command's options, strictly: an option it does not have prints the usage and exits 1 before
 * anything is done; `--help` (`-h`) prints the usage and exits 0.
 */
export function parseCommandOptions (options: Options, usage: string): Record<string, string | boolean | undefined> {
  let parsed: { values: Record<string, unknown> }
  try {
    parsed = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h', default: false } } })
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`)
    process.exit(1)
  }
  if (parsed.values.help === true) {
    console.log(usage)
    process.exit(0)
  }
  return parsed.values as Record<string, string | boolean | undefined>
}
