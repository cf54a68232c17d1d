import { Mp3Encoder } from '@breezystack/lamejs'

export interface EncodeRequest { channels: Float32Array[], sampleRate: number, kbps: number }

const BLOCK = 1152

function toInt16 (samples: Float32Array) {
  const out = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]))
    out[i] = s < 0 ? s * 0x8000 : s * 0x7fff
  }
  return out
}

/** Encodes PCM to MP3 off the page's thread; answers with the MP3 bytes. */
self.onmessage = (event: MessageEvent<EncodeRequest>) => {
  const { channels, sampleRate, kbps } = event.data
  const pcm = channels.slice(0, 2).map(toInt16)
  const encoder = new Mp3Encoder(pcm.length, sampleRate, kbps)
  const parts: Uint8Array[] = []
  for (let i = 0; i < pcm[0].length; i += BLOCK) {
    const blocks = pcm.map((channel) => channel.subarray(i, i + BLOCK))
    const encoded = encoder.encodeBuffer(blocks[0], blocks[1])
    if (encoded.length > 0) parts.push(new Uint8Array(encoded))
  }
  const tail = encoder.flush()
  if (tail.length > 0) parts.push(new Uint8Array(tail))
  const mp3 = new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'audio/mpeg' })
  ;(self as unknown as Worker).postMessage(mp3)
}
