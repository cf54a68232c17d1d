import { AUDIO_FORMAT_NAMES, AUDIO_FORMATS, type AudioFormat } from '../audio/audio-formats.js'
import type { KeyReference, RenderDoc } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'

/** Every render object lives under this prefix: the seed's {ENV}/renders/. */
export const rendersPrefix = (env: string) => `${env}/renders/`

/** Presigned PUTs write here; only the server copies a verified upload to its render key. */
export const uploadsPrefix = (env: string) => `${env}/uploads/`

/** Keys are made by the server only: {ENV}/renders/{uuid}.{ext}, the extension from the format allowlist (.mp3 by default). */
export const renderKey = (env: string, renderId: string, format: AudioFormat) => `${rendersPrefix(env)}${renderId}.${AUDIO_FORMATS[format].extension}`

export const uploadKey = (env: string, renderId: string, format: AudioFormat) => `${uploadsPrefix(env)}${renderId}.${AUDIO_FORMATS[format].extension}`

/** The format whose render key for this id `key` is; null when it is no key we would make for the id. */
export const formatOfRenderKey = (env: string, renderId: string, key: string | null): AudioFormat | null =>
  AUDIO_FORMAT_NAMES.find((format) => key === renderKey(env, renderId, format)) ?? null

const RENDER_FILE = /^([^/]+)\.[a-z0-9]+$/

/**
 * Maps render urls to keys and back under every base the service knows: the public/CDN base, the
 * bucket's own virtual-hosted and path-style urls, and LEGACY_PUBLIC_BASES. Seed renders carry only
 * a url, so this is how their objects are found (to delete them with their message) and protected.
 */
export function createRenderKeys (storage: ObjectStorage, env: string, legacyBases: string) {
  const prefix = rendersPrefix(env)
  const bases = [...new Set([
    ...storage.urlBases(),
    ...legacyBases.split(',').map((base) => base.trim()).filter((base) => base !== '').map((base) => base.replace(/\/+$/, '') + '/')
  ])]

  /** Our key for a url under any known base, or null (another bucket, another prefix, a foreign url). */
  function keyFromAnyUrl (url: string): string | null {
    for (const base of bases) {
      if (!url.startsWith(base)) continue
      const key = url.slice(base.length).split(/[?#]/)[0]
      if (key.startsWith(prefix) && RENDER_FILE.test(key.slice(prefix.length))) return key
    }
    return null
  }

  /** A seed url under a base nobody configured still ends with our key, made of the render's own id. */
  function keyOfOwnId (render: Pick<RenderDoc, 'id' | 'url'>): string | null {
    const path = render.url.split(/[?#]/)[0]
    const file = path.slice(path.lastIndexOf('/') + 1)
    const key = `${prefix}${file}`
    return RENDER_FILE.exec(file)?.[1] === render.id && path.endsWith(`/${key}`) ? key : null
  }

  return {
    bases,
    keyFromAnyUrl,
    /** The key a message render names: its own, or the one its url resolves to. */
    keyOf: (render: Pick<RenderDoc, 'key' | 'url' | 'id'>) => render.key ?? keyFromAnyUrl(render.url) ?? keyOfOwnId(render),
    /** The ways a message render may name this key (see Repository.messagesNaming). */
    referenceOf (key: string): KeyReference {
      const file = key.slice(key.lastIndexOf('/') + 1)
      const id = RENDER_FILE.exec(file)?.[1] ?? file
      return { key, id, urls: bases.map((base) => base + key) }
    }
  }
}

export type RenderKeys = ReturnType<typeof createRenderKeys>

const PEAKS_FILE = /^([^/.]+)\.(?:zoom\.)?peaks\.json$/

/**
 * A render's waveform files, beside its audio: {ENV}/renders/{id}.peaks.json (the overview) and
 * {id}.zoom.peaks.json. Null for keys outside the renders prefix and for waveform files themselves.
 */
export function peaksKeysOf (env: string, key: string): { overview: string, zoom: string } | null {
  const prefix = rendersPrefix(env)
  if (!key.startsWith(prefix)) return null
  const file = key.slice(prefix.length)
  if (file.includes('/') || PEAKS_FILE.test(file)) return null
  const id = file.split('.')[0]
  return { overview: `${prefix}${id}.peaks.json`, zoom: `${prefix}${id}.zoom.peaks.json` }
}

/** The render id a waveform file belongs to, or null when the key is not a waveform file. */
export function peaksOwnerId (env: string, key: string): string | null {
  const prefix = rendersPrefix(env)
  if (!key.startsWith(prefix)) return null
  return PEAKS_FILE.exec(key.slice(prefix.length))?.[1] ?? null
}
