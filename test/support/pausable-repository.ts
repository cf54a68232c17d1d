import type { Repository } from '../../services/repository/types.js'

type Method = keyof Repository & string

interface Gate {
  method: Method
  when: (...args: any[]) => boolean
  used: boolean
  reached: Promise<void>
  onReached: () => void
  released: Promise<void>
  release: () => void
}

/**
 * The repository, with calls that can be held just before they run: a test pauses one request at
 * a chosen step, runs another request to its end, then lets the first go on.
 */
export function pausableRepository (target: Repository) {
  const gates: Gate[] = []
  const repository = new Proxy(target, {
    get (object, name, receiver) {
      const value = Reflect.get(object, name, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const gate = gates.find((candidate) => !candidate.used && candidate.method === name && candidate.when(...args))
        if (gate === undefined) return value.apply(object, args)
        gate.used = true
        gate.onReached()
        return gate.released.then(() => value.apply(object, args))
      }
    }
  })

  /** Holds the first call of `method` for which `when` holds, until `release()`. */
  function pauseBefore (method: Method, when: (...args: any[]) => boolean = () => true) {
    let onReached!: () => void
    let release!: () => void
    const reached = new Promise<void>((resolve) => { onReached = resolve })
    const released = new Promise<void>((resolve) => { release = resolve })
    gates.push({ method, when, used: false, reached, onReached, released, release })
    return { reached, release }
  }

  return { repository, pauseBefore }
}
