import { randomFillSync } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

const ID_RANDOM_BYTES = 16
/** uuid draws 16 random bytes per id from the OS; drawing them in blocks is much cheaper. */
const pool = Buffer.alloc(ID_RANDOM_BYTES * 256)
let offset = pool.length

function randomBytes16 (): Uint8Array {
  if (offset === pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  offset += ID_RANDOM_BYTES
  return pool.subarray(offset - ID_RANDOM_BYTES, offset)
}

/**
 * Ids of threads, messages and renders: UUIDs as in the seed, but time-ordered (v7), so new rows
 * append to the end of each index instead of dirtying a random page per insert.
 */
export const newId = (): string => uuidv7({ random: randomBytes16() })
