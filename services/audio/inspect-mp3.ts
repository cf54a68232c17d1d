import { parseBuffer } from 'music-metadata'
import { findFrameRun } from './mpeg-frames.js'

export type RangeReader = (start: number, endInclusive: number) => Promise<Buffer>

export class NotMp3Error extends Error {
  override name = 'NotMp3Error'
}

export interface Mp3Info {
  /** kbps */
  bitrate: number | null
  /** seconds */
  duration: number | null
}

const ID3_HEADER_BYTES = 10
/** Enough audio for several frames and a Xing/VBRI header, whatever the file's size. */
const AUDIO_WINDOW_BYTES = 64 * 1024
const REQUIRED_FRAMES = 4
const MAX_JUNK_BEFORE_FIRST_FRAME = 4096

/** ID3v2 tag size: 28-bit syncsafe integer, plus header and optional footer. */
function id3TagLength (header: Buffer): number {
  if (header.length < ID3_HEADER_BYTES || header.toString('latin1', 0, 3) !== 'ID3') return 0
  const size = ((header[6] & 0x7f) << 21) | ((header[7] & 0x7f) << 14) | ((header[8] & 0x7f) << 7) | (header[9] & 0x7f)
  const hasFooter = (header[5] & 0x10) !== 0
  return ID3_HEADER_BYTES + size + (hasFooter ? ID3_HEADER_BYTES : 0)
}

function describeNonMp3 (header: Buffer): string {
  const magic = header.toString('latin1', 0, 4)
  if (magic === 'RIFF') return 'it is a WAV (RIFF) file'
  if (magic === 'OggS') return 'it is an Ogg file'
  if (magic === 'fLaC') return 'it is a FLAC file'
  return `no run of ${REQUIRED_FRAMES} consecutive MPEG Layer III audio frames found`
}

/**
 * Decides from the bytes whether the object is an MP3 and reads its bitrate and duration.
 * Reads at most the ID3 header and a 64 KiB window of audio, so its cost does not grow with size.
 */
export async function inspectMp3 (read: RangeReader, size: number): Promise<Mp3Info> {
  if (size < ID3_HEADER_BYTES) throw new NotMp3Error('the file is too small to be an MP3')
  const header = await read(0, ID3_HEADER_BYTES - 1)
  const audioStart = id3TagLength(header)
  if (audioStart >= size) throw new NotMp3Error('the file has an ID3 tag but no audio')
  const window = await read(audioStart, Math.min(size, audioStart + AUDIO_WINDOW_BYTES) - 1)
  const firstFrame = findFrameRun(window, REQUIRED_FRAMES, MAX_JUNK_BEFORE_FIRST_FRAME)
  if (firstFrame < 0) throw new NotMp3Error(audioStart === 0 ? describeNonMp3(header) : `no run of ${REQUIRED_FRAMES} consecutive MPEG Layer III audio frames found after the ID3 tag`)

  const audioBytes = size - audioStart - firstFrame
  const { format } = await parseBuffer(window.subarray(firstFrame), { mimeType: 'audio/mpeg', size: audioBytes }, { duration: false, skipCovers: true })
  const bitrate = format.bitrate !== undefined ? Math.round(format.bitrate / 1000) : null
  // A Xing/VBRI header gives the frame count, hence the duration; otherwise (CBR) music-metadata only
  // saw our window, so the duration follows from the object's size and the bitrate.
  const fromHeader = format.codecProfile?.startsWith('V') === true ? format.duration : undefined
  const duration = fromHeader ?? (bitrate !== null ? audioBytes * 8 / (bitrate * 1000) : null)
  return { bitrate, duration: duration !== null ? Math.round(duration * 1000) / 1000 : null }
}
