import type { AppConfig } from '../../config.js'
import type { MessageDoc, RenderDoc, RenderRecord, Repository, ThreadDoc } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { Render } from '../../schemas/renders.js'
import type { WaveformsOf } from '../analysis/waveform-view.js'
import type { RenderAcl } from './render-acl.js'

interface Deps {
  storage: ObjectStorage
  repository: Repository
  renderAcl: RenderAcl
  config: Pick<AppConfig, 'PRIVATE_RENDER_URL_TTL_SECONDS'>
  /** The waveform fields of renders (none when absent). */
  waveformsOf?: WaveformsOf
}

/**
 * Builds the seed's Render JSON with a playable URL: the public/CDN URL when the object is public,
 * a short-lived signed GET otherwise. A thread's renders are signed while it is private or while a
 * visibility change is being applied to them (their objects may still be private). Waveform URLs
 * are signed exactly when their render's URL is.
 */
export function createRenderView ({ storage, repository, renderAcl, config, waveformsOf = async () => new Map() }: Deps) {
  const signsThread = (thread: ThreadDoc | null) => thread === null || thread.renders_acl_pending === true || renderAcl.aclForThread(thread) === 'private'

  async function playableUrl (key: string | undefined, storedUrl: string, signed: boolean): Promise<string> {
    if (!signed) return storedUrl
    const resolvedKey = key ?? storage.keyFromUrl(storedUrl)
    if (resolvedKey === null) return storedUrl
    return (await storage.presignGet(resolvedKey, config.PRIVATE_RENDER_URL_TTL_SECONDS)).url
  }

  async function fromDoc (render: RenderDoc, signed: boolean, waveforms?: Awaited<ReturnType<WaveformsOf>>): Promise<Render> {
    waveforms ??= await waveformsOf([render], signed)
    return {
      id: render.id,
      url: await playableUrl(render.key, render.url, signed),
      format: render.format,
      bitrate: render.bitrate ?? null,
      duration: render.duration ?? null,
      size_bytes: render.size_bytes ?? null,
      created_at: render.created_at,
      ...waveforms.get(render.id)
    }
  }

  /** A thread's messages: `thread` when the caller has read it, else each message's thread is read. */
  async function message (message: MessageDoc, thread?: ThreadDoc | null) {
    const signed = signsThread(thread === undefined ? await repository.findThread(message.parent_thread) : thread)
    const waveforms = await waveformsOf(message.renders, signed)
    return { ...message, renders: await Promise.all(message.renders.map((render) => fromDoc(render, signed, waveforms))) }
  }

  return {
    message,
    async fromRecord (record: RenderRecord): Promise<Render> {
      const attached = (record.state === 'attaching' || record.state === 'attached') && record.message_id !== null
      const signed = attached
        ? signsThread(await renderAcl.threadOfMessage(record.message_id!)) || renderAcl.currentAcl(record) === 'private'
        : renderAcl.currentAcl(record) === 'private'
      return fromDoc(docFromRecord(record, storage.publicUrl(record.key)), signed)
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
