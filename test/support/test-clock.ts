/** A clock the test moves forward by hand; it starts at the real time. */
export function createTestClock () {
  let offsetMs = 0
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance (ms: number) { offsetMs += ms }
  }
}
