import crypto from 'node:crypto'
import { Mp3Encoder } from '@breezystack/lamejs'
import type { RangeReader } from '../../services/audio/range-tokenizer.js'

/** A sine tone encoded to MP3 in the test itself (CBR, mono). */
export function makeMp3Tone ({ seconds = 1, kbps = 128, sampleRate = 44100, frequency = 440 } = {}): Buffer {
  const samples = new Int16Array(Math.round(seconds * sampleRate))
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin(2 * Math.PI * frequency * i / sampleRate) * 12_000)
  const encoder = new Mp3Encoder(1, sampleRate, kbps)
  const chunks: Uint8Array[] = []
  const block = 1152
  for (let i = 0; i < samples.length; i += block) chunks.push(encoder.encodeBuffer(samples.subarray(i, i + block)))
  chunks.push(encoder.flush())
  return Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
}

/** A valid 16-bit mono PCM WAV file of a tone. */
export function makeWav (seconds = 1, sampleRate = 44100): Buffer {
  const samples = Math.round(seconds * sampleRate)
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * 440 * i / sampleRate) * 12_000), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'latin1')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8, 'latin1')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'latin1')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

export const randomBytes = (length: number) => crypto.randomBytes(length)

/** Prepends an ID3v2.3 tag of `tagBytes` bytes (a title frame plus padding), as taggers with cover art do. */
export function withId3Tag (mp3: Buffer, tagBytes: number): Buffer {
  const title = Buffer.from('render', 'latin1')
  const frame = Buffer.alloc(10 + 1 + title.length)
  frame.write('TIT2', 0, 'latin1')
  frame.writeUInt32BE(1 + title.length, 4)
  title.copy(frame, 11)
  const body = Buffer.alloc(Math.max(tagBytes - 10, frame.length))
  frame.copy(body)
  const size = body.length
  const header = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, (size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f])
  return Buffer.concat([header, body, mp3])
}

/** Ranged reads of `bytes`, as storage would serve them, counting the bytes read. */
export function reader (bytes: Buffer) {
  const counter = { bytesRead: 0 }
  const read: RangeReader = async (start, end) => {
    const slice = bytes.subarray(start, end + 1)
    counter.bytesRead += slice.length
    return slice
  }
  return { read, counter }
}
