import type { KeysOfMessage } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'

/** Every render object lives under this prefix: the seed's {ENV}/renders/. */
export const rendersPrefix = (env: string) => `${env}/renders/`

/** Keys are made by the server only: {ENV}/renders/{uuid}.mp3. */
export const renderKey = (env: string, renderId: string) => `${rendersPrefix(env)}${renderId}.mp3`

/**
 * Keys come from what we stored; legacy seed renders carry only a url, whose key is the url
 * minus our configured public base. Anything outside our prefix is never ours to delete.
 */
export function keysOfMessage (storage: ObjectStorage, env: string): KeysOfMessage {
  const prefix = rendersPrefix(env)
  return (message) => message.renders
    .map((render) => render.key ?? storage.keyFromUrl(render.url))
    .filter((key): key is string => key !== null && key.startsWith(prefix))
}
