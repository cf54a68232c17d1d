import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * A proxied upload's body arrives as 64 KiB socket chunks that V8 frees only when it collects the
 * small objects holding them, and a default-sized young generation holds thousands of those before
 * a scavenge: an 86 MiB upload then peaks at +45 MiB RSS (`npm run bench:upload`). A scavenge after
 * each part (every 5 MiB) frees the chunks already copied, for about a millisecond, and keeps the
 * peak under +32 MiB without shrinking the young generation for every other request.
 * `gc` is exposed in a new context only, as Jest does for --logHeapUsage; the flag is reset at once.
 */
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void
v8.setFlagsFromString('--no-expose-gc')

export function collectYoungGeneration () {
  gc({ type: 'minor' })
}
