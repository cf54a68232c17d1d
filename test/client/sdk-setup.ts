import { createClient, type ClientOptions } from '../../client/src/index.js'
import { API_TOKEN, build, createThread, listen, type BuildOptions } from '../helper.js'

export interface Teardown { teardown (fn: () => unknown): void }

/** Delays the SDK asked to wait, recorded instead of waited. */
export function instantSleep () {
  const delays: number[] = []
  return { delays, sleep: async (ms: number) => { delays.push(ms) } }
}

/** The service on a real socket, with a thread, and an SDK client pointed at it. */
export async function serviceWithClient (t: Teardown, clientOptions: Partial<ClientOptions> = {}, buildOptions: BuildOptions = {}) {
  const built = await build(t, {}, buildOptions)
  const baseUrl = await listen(built.app)
  const thread = await createThread(built.app)
  const waits = instantSleep()
  const client = createClient({ baseUrl, getToken: () => API_TOKEN, retry: { sleep: waits.sleep, random: () => 0.5 }, ...clientOptions })
  return { ...built, baseUrl, thread, client, delays: waits.delays }
}
