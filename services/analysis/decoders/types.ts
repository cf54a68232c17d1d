/** One decoded chunk: planar float samples in [-1, 1]. */
export interface DecodedAudio {
  channelData: Float32Array[]
  samplesDecoded: number
  sampleRate: number
}

/** Decodes a file fed in chunks of any size, in order. */
export interface StreamDecoder {
  decode (chunk: Uint8Array): DecodedAudio | Promise<DecodedAudio>
  /** What the decoder still holds once the last chunk was fed (decoders that buffer frames). */
  flush? (): Promise<DecodedAudio>
  free (): void
}

export class UndecodableAudioError extends Error {}
