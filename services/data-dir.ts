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
    if (!fs.statSync(existing).isDirectory()) throw Object.assign(new Error(`${existing} is not a directory`), { code: 'ENOTDIR' })
    for (const level of missing) fs.mkdirSync(level)
    fs.accessSync(dataDir, fs.constants.W_OK)
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException
    throw new ConfigError(`Cannot start: DATA_DIR ${dataDir} cannot be used as a writable directory (${code ?? message}). Set DATA_DIR to a folder this user may write, e.g. DATA_DIR=./data`)
  }
}
