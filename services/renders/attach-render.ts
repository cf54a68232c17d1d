import type { AppConfig } from '../../config.js'
import type { RenderInput } from '../../schemas/renders.js'
import { conflict, notFound, renderDeleted, unprocessable } from '../errors.js'
import type { RenderDoc, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { renderKey } from './render-keys.js'
import { docFromRecord } from './render-view.js'

/**
 * Attaches renders to messages exactly once. A render must be an object of ours: its url resolves
 * to {ENV}/renders/{render.id}.mp3 in our bucket. Our own record, when we have one, is the source
 * of truth for its metadata, and a render belongs to one message only.
 */
export function createRenderAttacher (deps: { repository: Repository, storage: ObjectStorage, config: Pick<AppConfig, 'ENV'> }) {
  const { repository, storage, config } = deps

  /** `messageId` null: for a message that does not exist yet. */
  async function resolveRender (messageId: string | null, input: RenderInput): Promise<RenderDoc> {
    const key = storage.keyFromUrl(input.url)
    if (key !== renderKey(config.ENV, input.id)) {
      throw unprocessable('render.url must be the url this service returned for render.id (our bucket and prefix)')
    }
    const record = await repository.findRenderRecord(input.id)
    if (record !== null) {
      if (record.status !== 'ready') throw conflict('This render\'s upload has not been completed yet')
      if (record.message_id !== null && record.message_id !== messageId) throw conflict('This render is attached to another message')
      return docFromRecord(record, storage.publicUrl(record.key))
    }
    const head = await storage.headObject(key)
    if (head === null) throw unprocessable('The render\'s object does not exist in storage')
    return {
      id: input.id,
      url: storage.publicUrl(key),
      format: 'mp3',
      bitrate: input.bitrate ?? null,
      duration: input.duration ?? null,
      size_bytes: head.size,
      created_at: validDate(input.created_at) ?? new Date().toISOString(),
      key
    }
  }

  return {
    async attach (messageId: string, input: RenderInput): Promise<void> {
      if (await repository.findMessage(messageId) === null) throw notFound('Message')
      const result = await repository.attachRender(messageId, await resolveRender(messageId, input))
      if (result === 'message_not_found') throw notFound('Message')
      if (result === 'render_deleted') throw renderDeleted()
    },

    /** Checks every render of a message about to be created, before anything is written. */
    async resolveForNewMessage (inputs: RenderInput[]): Promise<RenderDoc[]> {
      const unique = [...new Map(inputs.map((input) => [input.id, input])).values()]
      return Promise.all(unique.map((input) => resolveRender(null, input)))
    }
  }
}

export type RenderAttacher = ReturnType<typeof createRenderAttacher>

function validDate (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : new Date(time).toISOString()
}
