import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../config.js'

/**
 * Makes DATA_DIR a writable directory, or stops the start with one line naming DATA_DIR. Missing
 * levels are made one at a time: Node's recursive mkdir spins forever on some paths it cannot
 * create (e.g. under /proc) instead of failing.
 */
export function prepareDataDir (dataDir: string): void {
  const missing: string[] = []
  let existing = dataDir
  while (!fs.existsSync(existing)) {
    missing.unshift(existing)
    existing = path.dirname(existing)
  }
  try {
    for (const level of missing) makeDirectory(level)
    if (!fs.statSync(dataDir).isDirectory()) throw Object.assign(new Error(`${dataDir} is not a directory`), { code: 'ENOTDIR' })
    fs.accessSync(dataDir, fs.constants.W_OK)
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException
    throw new ConfigError(`Cannot start: DATA_DIR ${dataDir} cannot be used as a writable directory (${code ?? message}). Set DATA_DIR to a folder this user may write, e.g. DATA_DIR=./data`)
  }
}

/** Another process starting on the same fresh DATA_DIR may make a level first; that is fine. */
function makeDirectory (directory: string) {
  try {
    fs.mkdirSync(directory)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}
