import { inspectMp3 } from '../audio/inspect-mp3.js'
import type { ObjectStorage } from '../storage/types.js'

/** Reads only the bytes the MP3 check needs (ranged GETs), whatever the object's size. */
export function verifyStoredMp3 (storage: ObjectStorage, key: string, size: number) {
  return inspectMp3((start, end) => storage.getRange(key, start, end), size)
}
