import { fileTypeFromTokenizer, type FileTypeResult } from 'file-type'
import { parseFromTokenizer, type IFormat } from 'music-metadata'
import { AUDIO_FORMATS, type AudioFormat } from './audio-formats.js'
import { inspectMp3, NotMp3Error } from './inspect-mp3.js'
import { firstOggPage, lastOggGranule } from './ogg-duration.js'
import { rangeTokenizer, readerOf, type RangeReader } from './range-tokenizer.js'

/** The bytes are not the format the client claimed (or no format we accept). */
export class WrongAudioFormatError extends Error {
  override name = 'WrongAudioFormatError'
}

export interface AudioInfo {
  /** kbps */
  bitrate: number | null
  /** seconds */
  duration: number | null
}

/** What file-type's answer stands for; "mp4" is an M4A until music-metadata finds video or another codec. */
const FORMAT_OF_FILE_TYPE: Record<string, AudioFormat> = { mp3: 'mp3', wav: 'wav', flac: 'flac', ogg: 'ogg', opus: 'opus', m4a: 'm4a', mp4: 'm4a' }

/** What music-metadata must have read from the headers for each format. */
const HEADERS_OF: Record<Exclude<AudioFormat, 'mp3'>, (format: IFormat) => boolean> = {
  wav: (format) => format.container === 'WAVE',
  flac: (format) => format.container === 'FLAC',
  ogg: (format) => format.container === 'Ogg' && format.codec?.startsWith('Vorbis') === true,
  opus: (format) => format.container === 'Ogg' && format.codec === 'Opus',
  m4a: (format) => format.codec?.includes('AAC') === true && format.hasVideo !== true
}

const OPUS_GRANULE_RATE = 48_000

function describe (sniffed: FileTypeResult | undefined): string {
  if (sniffed === undefined) return 'its bytes are no audio format we accept'
  const format = FORMAT_OF_FILE_TYPE[sniffed.ext]
  return format !== undefined ? `it is ${AUDIO_FORMATS[format].label}` : `it is a ${sniffed.ext.toUpperCase()} file (${sniffed.mime})`
}

const rounded = (seconds: number | null | undefined) => seconds === null || seconds === undefined || !Number.isFinite(seconds) ? null : Math.round(seconds * 1000) / 1000

/**
 * Decides from the bytes whether the object is the claimed format, then reads its bitrate and
 * duration: file-type names the format from its signature, music-metadata reads the headers
 * (MP3 keeps its own check of consecutive frames). Parsers seek through ranged reads, so the
 * audio data itself is not downloaded.
 */
export async function inspectAudio (storageRead: RangeReader, size: number, claimed: AudioFormat): Promise<AudioInfo> {
  if (size === 0) throw new WrongAudioFormatError('the file is empty')
  // A failed read (storage down, object gone) is passed on as it came; only the parsers' own errors mean bad bytes.
  let readFailure: unknown
  const tokenizer = await rangeTokenizer(async (start, end) => {
    try {
      return await storageRead(start, end)
    } catch (err) {
      readFailure ??= err
      throw err
    }
  }, size)
  const unreadable = (what: string) => (err: unknown) => {
    throw readFailure ?? new WrongAudioFormatError(`${what} (${(err as Error).message})`)
  }
  const read = readerOf(tokenizer, size)
  const sniffed = await fileTypeFromTokenizer(tokenizer).catch(unreadable('its bytes are no audio format we accept'))
  const found = sniffed === undefined ? undefined : FORMAT_OF_FILE_TYPE[sniffed.ext]

  if (claimed === 'mp3') {
    // A known other format gets named; anything else is left to the MP3 frame check.
    if (found !== undefined && found !== 'mp3') throw new WrongAudioFormatError(describe(sniffed))
    return inspectMp3(read, size).catch((err: unknown) => {
      throw err instanceof NotMp3Error ? new WrongAudioFormatError(err.message) : err
    })
  }
  if (found !== claimed) throw new WrongAudioFormatError(describe(sniffed))

  tokenizer.setPosition(0)
  const { format } = await parseFromTokenizer(tokenizer, { duration: false, skipCovers: true, skipPostHeaders: true })
    .catch(unreadable('its headers cannot be read'))
  if (!HEADERS_OF[claimed](format) || format.sampleRate === undefined) {
    throw new WrongAudioFormatError(`its headers do not describe ${AUDIO_FORMATS[claimed].label} (${format.container ?? 'no container'}, ${format.codec ?? 'no codec'})`)
  }
  const duration = rounded(await durationOf(claimed, format, read, size))
  return { duration, bitrate: duration !== null && duration > 0 ? Math.round(size * 8 / duration / 1000) : null }
}

async function durationOf (claimed: AudioFormat, format: IFormat, read: RangeReader, size: number): Promise<number | null> {
  if (claimed === 'ogg' || claimed === 'opus') {
    const first = await firstOggPage(read)
    if (first === null || first.body.length < 12) return null
    const granule = await lastOggGranule(read, size, first.serial)
    if (granule === null) return null
    if (claimed === 'ogg') return Number(granule) / format.sampleRate!
    // OpusHead: "OpusHead", version, channel count, then the pre-skip (samples at 48 kHz to drop).
    return Math.max(0, Number(granule) - first.body.readUInt16LE(10)) / OPUS_GRANULE_RATE
  }
  // A WAV header may claim more audio than a truncated file holds: no longer than its bytes allow.
  if (claimed === 'wav' && format.duration !== undefined && format.bitrate !== undefined) return Math.min(format.duration, size * 8 / format.bitrate)
  return format.duration ?? null
}
