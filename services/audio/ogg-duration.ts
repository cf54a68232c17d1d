import type { RangeReader } from './range-tokenizer.js'

/** An Ogg page is at most 27 + 255 + 255 × 255 bytes: the stream's last whole page starts within this tail. */
const TAIL_BYTES = 2 * 65_307
const PAGE_HEADER_BYTES = 27
/** The first page holds only the codec's small identification header. */
const FIRST_PAGE_READ_BYTES = 4096
const NO_PACKET_ENDS_HERE = -1n

interface OggPage { serial: number, granule: bigint, length: number }

function pageAt (bytes: Buffer, offset: number): OggPage | null {
  if (offset + PAGE_HEADER_BYTES > bytes.length || bytes.toString('latin1', offset, offset + 4) !== 'OggS' || bytes[offset + 4] !== 0) return null
  const segments = bytes[offset + 26]
  if (offset + PAGE_HEADER_BYTES + segments > bytes.length) return null
  let length = PAGE_HEADER_BYTES + segments
  for (let i = 0; i < segments; i++) length += bytes[offset + PAGE_HEADER_BYTES + i]
  return { serial: bytes.readUInt32LE(offset + 14), granule: bytes.readBigInt64LE(offset + 6), length }
}

/** The first page's stream serial number and body (the codec's identification header). */
export async function firstOggPage (read: RangeReader): Promise<{ serial: number, body: Buffer } | null> {
  const head = await read(0, FIRST_PAGE_READ_BYTES - 1)
  const page = pageAt(head, 0)
  if (page === null || page.length > head.length) return null
  return { serial: page.serial, body: head.subarray(PAGE_HEADER_BYTES + head[26], page.length) }
}

/**
 * The granule position of the stream's last page, read from the file's tail: for Vorbis and Opus the
 * sample count up to the end, so the duration follows without reading the whole file (music-metadata
 * reads every page for it). The tail's pages are taken from the first "OggS" whose chain of whole
 * pages ends exactly at the end of the file, so a capture pattern inside audio data is never taken
 * for a page. Null when there is no such chain (a truncated file).
 */
export async function lastOggGranule (read: RangeReader, size: number, serial: number): Promise<bigint | null> {
  const tail = await read(Math.max(0, size - TAIL_BYTES), size - 1)
  for (let start = tail.indexOf('OggS'); start !== -1; start = tail.indexOf('OggS', start + 1)) {
    let granule: bigint | null = null
    let offset = start
    for (let page = pageAt(tail, offset); page !== null && offset + page.length <= tail.length; page = pageAt(tail, offset)) {
      if (page.serial === serial && page.granule !== NO_PACKET_ENDS_HERE) granule = page.granule
      offset += page.length
    }
    if (offset === tail.length) return granule
  }
  return null
}
