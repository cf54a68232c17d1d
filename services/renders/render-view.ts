import type { AppConfig } from '../../config.js'
import type { MessageDoc, RenderDoc, RenderRecord } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { Render } from '../../schemas/renders.js'

const PLAYBACK_URL_SECONDS = 3600

/** Builds the seed's Render JSON with a playable URL: public/CDN, or a signed GET for private renders. */
export function createRenderView (storage: ObjectStorage, config: Pick<AppConfig, 'RENDER_ACL'>) {
  async function playableUrl (key: string | undefined, storedUrl: string): Promise<string> {
    if (config.RENDER_ACL !== 'private') return storedUrl
    const resolvedKey = key ?? storage.keyFromUrl(storedUrl)
    if (resolvedKey === null) return storedUrl
    return (await storage.presignGet(resolvedKey, PLAYBACK_URL_SECONDS)).url
  }

  async function fromDoc (render: RenderDoc): Promise<Render> {
    return {
      id: render.id,
      url: await playableUrl(render.key, render.url),
      format: render.format,
      bitrate: render.bitrate ?? null,
      duration: render.duration ?? null,
      size_bytes: render.size_bytes ?? null,
      created_at: render.created_at
    }
  }

  return {
    fromDoc,
    fromRecord: (record: RenderRecord) => fromDoc(docFromRecord(record, storage.publicUrl(record.key))),
    async message (message: MessageDoc) {
      return { ...message, renders: await Promise.all(message.renders.map(fromDoc)) }
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
