/** The service's JSON error, or a storage refusal, as an exception with its HTTP status. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/** Thrown when an AbortSignal cancelled the operation. */
export class AbortError extends Error {
  constructor (message = 'The operation was aborted') {
    super(message)
    this.name = 'AbortError'
  }
}

export function throwIfAborted (signal: AbortSignal | undefined) {
  if (signal?.aborted === true) throw new AbortError()
}

/** Network failures and server errors are worth another try; client errors are not. */
export function isTransient (err: unknown) {
  if (err instanceof AbortError) return false
  if (err instanceof ApiError) return err.status >= 500
  return err instanceof TypeError || (err as { name?: string } | null)?.name === 'NetworkError'
}
