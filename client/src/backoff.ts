import { AbortError } from './errors.js'

export interface RetryOptions {
  /** Tries in all, the first included (default 5). */
  attempts?: number
  /** The delay before the first retry, doubled for each next one (default 500 ms). */
  baseDelayMs?: number
  /** The longest delay (default 15 s). */
  maxDelayMs?: number
  /** A number in [0, 1) for the jitter (default Math.random). */
  random?: () => number
  /** Waits this many milliseconds (tests pass one that does not really wait). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export type RetryPolicy = Required<RetryOptions>

export function retryPolicy (options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: options.attempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 15_000,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? sleep
  }
}

/** Exponential backoff with full jitter: a random delay up to base × 2^retry, capped. */
export function backoffDelay (policy: RetryPolicy, retry: number) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.floor(policy.random() * ceiling)
}

export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new AbortError())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AbortError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
