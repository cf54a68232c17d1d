import t from 'tap'
import { collectYoungGeneration } from '../../services/storage/young-generation.js'

t.test('a scavenge frees dead buffers, and gc stays hidden from the rest of the process', async (t) => {
  t.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'no global gc: the flag only served to fetch it')
  const before = process.memoryUsage().arrayBuffers
  let kept: Buffer[] = []
  for (let i = 0; i < 64; i++) kept.push(Buffer.alloc(64 * 1024, i))
  t.ok(process.memoryUsage().arrayBuffers >= before + 64 * 64 * 1024, '4 MiB of buffers held')
  kept = []
  collectYoungGeneration()
  // V8 releases the freed buffers' memory on a background thread once the scavenge is done.
  for (let turn = 0; turn < 100 && process.memoryUsage().arrayBuffers >= before + 32 * 64 * 1024; turn++) await new Promise((resolve) => setImmediate(resolve))
  t.ok(process.memoryUsage().arrayBuffers < before + 32 * 64 * 1024, `after the scavenge: ${process.memoryUsage().arrayBuffers - before} bytes left of 4 MiB`)
})
