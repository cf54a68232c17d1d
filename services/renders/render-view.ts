import type { AppConfig } from '../../config.js'
import type { MessageDoc, RenderDoc, RenderRecord, Repository, ThreadDoc } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import type { Render } from '../../schemas/renders.js'
import type { Waveforms, WaveformsOf } from '../analysis/waveform-view.js'
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
export function createRenderView ({ storage, repository, renderAcl, config, waveformsOf = async () => ({ of: () => undefined }) }: Deps) {
  const signsThread = (thread: ThreadDoc | null) => thread === null || thread.renders_acl_pending === true || renderAcl.aclForThread(thread) === 'private'

  async function playableUrl (key: string | undefined, storedUrl: string, signed: boolean): Promise<string> {
    if (!signed) return storedUrl
    const resolvedKey = key ?? storage.keyFromUrl(storedUrl)
    if (resolvedKey === null) return storedUrl
    return (await storage.presignGet(resolvedKey, config.PRIVATE_RENDER_URL_TTL_SECONDS)).url
  }

  async function fromDoc (render: RenderDoc, signed: boolean, waveforms?: Waveforms): Promise<Render> {
    waveforms ??= await waveformsOf([render], signed)
    return {
      id: render.id,
      url: await playableUrl(render.key, render.url, signed),
      format: render.format,
      bitrate: render.bitrate ?? null,
      duration: render.duration ?? null,
      size_bytes: render.size_bytes ?? null,
      created_at: render.created_at,
      ...waveforms.of(render)
    }
  }

  /** Messages of one thread, `thread` when the caller has read it; their renders' waveforms in one query. */
  async function messages (list: MessageDoc[], thread: ThreadDoc | null) {
    const signed = signsThread(thread)
    const waveforms = await waveformsOf(list.flatMap((message) => message.renders), signed)
    return Promise.all(list.map(async (message) => ({
      ...message,
      renders: await Promise.all(message.renders.map((render) => fromDoc(render, signed, waveforms)))
    })))
  }

  /** One message: `thread` when the caller has read it, else the message's thread is read. */
  async function message (message: MessageDoc, thread?: ThreadDoc | null) {
    const [view] = await messages([message], thread === undefined ? await repository.findThread(message.parent_thread) : thread)
    return view
  }

  return {
    message,
    messages,
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
