/**
 * The buffers a streamed upload copies its parts into, shared by every upload of one storage.
 * A part buffer lives as long as its upload, so V8 promotes it to the old generation, and a new
 * one per upload would wait for a full GC to be freed: in `npm run bench:upload` each 86 MiB
 * upload left 10 MiB behind that way. Reused, they cost their size once. At most `maxSpare`
 * are kept between uploads; the rest are left to the GC.
 */
export interface PartBuffers {
  readonly partSize: number
  take (): Buffer
  /** Only once nothing (no request in flight) reads the buffer any more. */
  give (buffer: Buffer): void
}

export function createPartBuffers (partSize: number, maxSpare: number): PartBuffers {
  const spare: Buffer[] = []
  return {
    partSize,
    take: () => spare.pop() ?? Buffer.allocUnsafeSlow(partSize),
    give (buffer) {
      if (spare.length < maxSpare && !spare.includes(buffer)) spare.push(buffer)
    }
  }
}
