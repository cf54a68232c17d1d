import fs from 'node:fs'
import type { Test } from 'tap'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
  // A fake microphone (a beep), granted without a prompt, for the web client's recording.
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']

/**
 * Debian's Chromium for a test file: launched before its tests, closed after them. Without it the
 * file is skipped locally and fails under CI (which installs it). Null when skipped.
 */
export function useChromium (t: Test): (() => Browser) | null {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.CI !== undefined) t.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`)
    else t.plan(0, `browser test needs Debian's chromium at ${CHROMIUM} (apt-get install chromium)`)
    return null
  }
  let browser: Browser | undefined
  t.before(async () => { browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS }) })
  t.teardown(async () => { await browser?.close() })
  return () => browser!
}
