import type { AudioFormat } from '../audio/audio-formats.js'
import { inspectAudio } from '../audio/inspect-audio.js'
import type { ObjectStorage } from '../storage/types.js'

/** Reads only the bytes the format check needs (ranged GETs), whatever the object's size. */
export function verifyStoredAudio (storage: ObjectStorage, key: string, size: number, claimed: AudioFormat) {
  return inspectAudio((start, end) => storage.getRange(key, start, end), size, claimed)
}
