import type { AppConfig } from '../../config.js'
import type { MessageDoc, RenderDoc, RenderRecord } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { Render } from '../../schemas/renders.js'
import type { WaveformsOf } from '../analysis/waveform-view.js'

const PLAYBACK_URL_SECONDS = 3600

/** Builds the seed's Render JSON with a playable URL: public/CDN, or a signed GET for private renders. */
export function createRenderView (storage: ObjectStorage, config: Pick<AppConfig, 'RENDER_ACL'>, waveformsOf: WaveformsOf = async () => new Map()) {
  async function playableUrl (key: string | undefined, storedUrl: string): Promise<string> {
    if (config.RENDER_ACL !== 'private') return storedUrl
    const resolvedKey = key ?? storage.keyFromUrl(storedUrl)
    if (resolvedKey === null) return storedUrl
    return (await storage.presignGet(resolvedKey, PLAYBACK_URL_SECONDS)).url
  }

  async function fromDoc (render: RenderDoc, waveforms?: Awaited<ReturnType<WaveformsOf>>): Promise<Render> {
    waveforms ??= await waveformsOf([render])
    return {
      id: render.id,
      url: await playableUrl(render.key, render.url),
      format: render.format,
      bitrate: render.bitrate ?? null,
      duration: render.duration ?? null,
      size_bytes: render.size_bytes ?? null,
      created_at: render.created_at,
      ...waveforms.get(render.id)
    }
  }

  return {
    fromDoc: (render: RenderDoc) => fromDoc(render),
    fromRecord: (record: RenderRecord) => fromDoc(docFromRecord(record, storage.publicUrl(record.key))),
    async message (message: MessageDoc) {
      const waveforms = await waveformsOf(message.renders)
      return { ...message, renders: await Promise.all(message.renders.map((render) => fromDoc(render, waveforms))) }
    }
  }
}

export type RenderView = ReturnType<typeof createRenderView>

export function docFromRecord (record: RenderRecord, url: string): RenderDoc {
  return {
    id: record.id,
    url,
    format: record.format,
    bitrate: record.bitrate,
    duration: record.duration,
    size_bytes: record.size_bytes,
    created_at: record.created_at,
    key: record.key
  }
}
