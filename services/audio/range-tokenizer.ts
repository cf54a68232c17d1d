import { tokenizer, type IRangeRequestClient } from '@tokenizer/range'

export type RangeReader = (start: number, endInclusive: number) => Promise<Buffer>

/** Each read fetches at least this much: one ranged GET usually covers every header a parser needs. */
const MINIMUM_CHUNK_BYTES = 64 * 1024

/**
 * A random-access tokenizer (what file-type and music-metadata read from) over ranged reads of one
 * stored object of known size: parsers seek past the audio data instead of downloading it.
 */
export function rangeTokenizer (read: RangeReader, size: number): ReturnType<typeof tokenizer> {
  const client: IRangeRequestClient = {
    getHeadInfo: async () => ({ size, acceptPartialRequests: true }),
    async getResponse (_method, range) {
      const [start, end] = range ?? [0, size - 1]
      const bytes = await read(start, end)
      return {
        size,
        acceptPartialRequests: true,
        contentRange: { firstBytePosition: start, lastBytePosition: start + bytes.length - 1, instanceLength: size },
        arrayBuffer: async () => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      }
    },
    abort () {}
  }
  return tokenizer(client, { minimumChunkSize: MINIMUM_CHUNK_BYTES })
}

type RangeTokenizer = Awaited<ReturnType<typeof rangeTokenizer>>

/** Reads through the tokenizer's chunks, so bytes a parser already fetched are not fetched again. */
export function readerOf (tokenizer: RangeTokenizer, size: number): RangeReader {
  return async (start, endInclusive) => {
    const end = Math.min(endInclusive, size - 1)
    if (end < start) return Buffer.alloc(0)
    const bytes = Buffer.alloc(end - start + 1)
    await tokenizer.peekBuffer(bytes, { position: start })
    return bytes
  }
}
