import type { AppConfig } from '../../config.js'
import type { RenderInput } from '../../schemas/renders.js'
import { conflict, notFound, unprocessable } from '../errors.js'
import type { RenderDoc, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { renderKey } from './render-keys.js'
import { docFromRecord } from './render-view.js'

/**
 * Attaches a render to a message exactly once. The render must be an object of ours: its url
 * resolves to {ENV}/renders/{render.id}.mp3 in our bucket. Our own record, when we have one,
 * is the source of truth for its metadata.
 */
export function createRenderAttacher (deps: { repository: Repository, storage: ObjectStorage, config: Pick<AppConfig, 'ENV'> }) {
  const { repository, storage, config } = deps

  async function resolveRender (messageId: string, input: RenderInput): Promise<{ doc: RenderDoc, recordNeedsLink: boolean }> {
    const key = storage.keyFromUrl(input.url)
    if (key !== renderKey(config.ENV, input.id)) {
      throw unprocessable('render.url must be the url this service returned for render.id (our bucket and prefix)')
    }
    const record = await repository.findRenderRecord(input.id)
    if (record !== null) {
      if (record.status !== 'ready') throw conflict('This render\'s upload has not been completed yet')
      if (record.message_id !== null && record.message_id !== messageId) throw conflict('This render is attached to another message')
      return { doc: docFromRecord(record, storage.publicUrl(record.key)), recordNeedsLink: record.message_id === null }
    }
    const head = await storage.headObject(key)
    if (head === null) throw unprocessable('The render\'s object does not exist in storage')
    return {
      doc: {
        id: input.id,
        url: storage.publicUrl(key),
        format: 'mp3',
        bitrate: input.bitrate ?? null,
        duration: input.duration ?? null,
        size_bytes: head.size,
        created_at: validDate(input.created_at) ?? new Date().toISOString(),
        key
      },
      recordNeedsLink: false
    }
  }

  return async function attachRender (messageId: string, input: RenderInput): Promise<void> {
    if (await repository.findMessage(messageId) === null) throw notFound('Message')
    const { doc, recordNeedsLink } = await resolveRender(messageId, input)
    const result = await repository.attachRender(messageId, doc)
    if (result === 'message_not_found') throw notFound('Message')
    if (recordNeedsLink) await repository.setRenderMessage(doc.id, messageId)
  }
}

export type RenderAttacher = ReturnType<typeof createRenderAttacher>

function validDate (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : new Date(time).toISOString()
}
