import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Debian's ffmpeg (CI installs it: .ci/run). */
export const FFMPEG = '/usr/bin/ffmpeg'
export const hasFfmpeg = fs.existsSync(FFMPEG)
/** Tap's `skip` for tests that need ffmpeg: skipped locally without it, never under CI (which installs it). */
export const skipWithoutFfmpeg = hasFfmpeg || process.env.CI !== undefined ? false : `needs ${FFMPEG} (apt-get install ffmpeg)`

const QUIET = ['-hide_banner', '-loglevel', 'error']

/**
 * Encodes an ffmpeg lavfi source (e.g. `sine=frequency=440:duration=2`) to an MP3 file, read back.
 * A file, not a pipe: ffmpeg writes the LAME header (encoder delay and padding) once it is done.
 */
export function encodeMp3 (source: string, args: string[] = []): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-'))
  try {
    const file = path.join(dir, 'out.mp3')
    execFileSync(FFMPEG, [...QUIET, '-f', 'lavfi', '-i', source, ...args, file])
    return fs.readFileSync(file)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs ffmpeg on the bytes as a file: from a pipe it cannot honour the LAME header's gapless information. */
function withFile<T> (bytes: Buffer, run: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-'))
  try {
    const file = path.join(dir, 'in.mp3')
    fs.writeFileSync(file, bytes)
    return run(file)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** ffmpeg's own decoding of the file: interleaved 16-bit samples, `channels` per frame. */
export function decodeToPcm (bytes: Buffer, channels: number, inputOptions: string[] = []): Int16Array {
  const raw = withFile(bytes, (file) => execFileSync(FFMPEG, [...QUIET, ...inputOptions, '-i', file, '-ac', String(channels), '-f', 's16le', '-'], { maxBuffer: 256 << 20 }))
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2)
}

/** ffmpeg's EBU R128 integrated loudness of the file (its ebur128 filter), LUFS. */
export function ffmpegLoudness (bytes: Buffer): number {
  const run = withFile(bytes, (file) => spawnSync(FFMPEG, ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' }))
  const match = /I:\s+(-?[\d.]+) LUFS/.exec(run.stderr.slice(run.stderr.lastIndexOf('Summary')))
  if (match === null) throw new Error(`no loudness in ffmpeg's output: ${run.stderr.slice(-500)}`)
  return Number(match[1])
}
