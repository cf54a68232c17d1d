import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { AUDIO_FORMATS, type AudioFormat } from '../../services/audio/audio-formats.js'

export const FFMPEG = '/usr/bin/ffmpeg'

/** Small on purpose: a 1.5 s mono tone at 16 kHz (a rate every encoder here takes, Opus included) is 2–50 KB. */
export const TONE = { seconds: 1.5, sampleRate: 16_000 }

const CODEC_OPTIONS: Record<AudioFormat, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '32k'],
  wav: ['-c:a', 'pcm_s16le'],
  flac: ['-c:a', 'flac'],
  ogg: ['-c:a', 'libvorbis'],
  opus: ['-c:a', 'libopus', '-b:a', '16k'],
  m4a: ['-c:a', 'aac', '-b:a', '32k']
}

/**
 * How far the duration read from a file may be from the tone's. WAV, FLAC, Ogg Vorbis and Ogg Opus
 * store their exact sample count (Ogg: the last granule, minus Opus's pre-skip), so only the rounding
 * to milliseconds remains. An MP3's duration counts whole frames of 576 samples at 16 kHz (36 ms): the
 * LAME Info frame, the encoder delay of 1105 samples (two frames) and the padding of the last frame
 * make up to 4 frames more. An M4A's track length includes the AAC priming frame (1024 samples) and
 * the last frame's padding: up to 2 frames of 64 ms.
 */
export const DURATION_TOLERANCE: Record<AudioFormat, number> = {
  mp3: 4 * 576 / TONE.sampleRate,
  wav: 0.001,
  flac: 0.001,
  ogg: 0.001,
  opus: 0.001,
  m4a: 2 * 1024 / TONE.sampleRate
}

/** A tone encoded by Debian's ffmpeg into each format (the muxer follows the extension). */
export function encodeTone (format: AudioFormat, { seconds, sampleRate } = TONE): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-tone-'))
  const file = path.join(dir, `tone.${AUDIO_FORMATS[format].extension}`)
  try {
    execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}:duration=${seconds}`,
      '-ac', '1', ...CODEC_OPTIONS[format], file])
    return fs.readFileSync(file)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** True when ffmpeg is there; without it the test file is skipped locally and fails under CI (.ci/run installs it). */
export function haveFfmpeg (t: Test): boolean {
  if (fs.existsSync(FFMPEG)) return true
  if (process.env.CI !== undefined) t.fail(`${FFMPEG} is missing: .ci/run installs Debian's ffmpeg`)
  else t.plan(0, `needs Debian's ffmpeg at ${FFMPEG} (apt-get install ffmpeg)`)
  return false
}
