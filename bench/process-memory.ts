import fs from 'node:fs'

/** A process's resident set (VmRSS) or its high-water mark (VmHWM), in bytes. */
export function statusBytes (pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

/** Peak RSS while `work` runs: the kernel's high-water mark (reset first) when allowed, and 5 ms samples. */
export async function peakRssDuring<T> (pid: number, work: () => Promise<T>): Promise<{ peak: number, result: T }> {
  let hwmReset = true
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5') } catch { hwmReset = false }
  let sampled = statusBytes(pid, 'VmRSS')
  const sampler = setInterval(() => { sampled = Math.max(sampled, statusBytes(pid, 'VmRSS')) }, 5)
  try {
    const result = await work()
    return { peak: Math.max(sampled, hwmReset ? statusBytes(pid, 'VmHWM') : 0), result }
  } finally {
    clearInterval(sampler)
  }
}
