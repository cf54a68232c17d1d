import type { FastifyBaseLogger } from 'fastify'
import type { RenderKeys } from '../renders/render-keys.js'
import { newRenderRecord } from '../renders/render-record.js'
import type { Repository } from '../repository/types.js'

const PAGE = 200

/**
 * Renders written by the original system carry only a url. Each one whose url resolves to our key
 * (under any known base) gets that key in its message and an attached record, so every rule that
 * reads records protects and deletes it like any other render. Idempotent; safe to run anywhere.
 */
export async function backfillLegacyRenders ({ repository, renderKeys, log }: { repository: Repository, renderKeys: RenderKeys, log: FastifyBaseLogger }) {
  let afterId: string | null = null
  let backfilled = 0
  for (;;) {
    const messages = await repository.messagesWithUnkeyedRenders(afterId, PAGE)
    for (const message of messages) {
      if (message.deleted_at != null) continue // its delete records what it used
      for (const render of message.renders) {
        if (render.key !== undefined) continue
        const key = renderKeys.keyOf(render)
        if (key === null) continue
        await repository.setRenderKey(message.id, render.id, key)
        const record = newRenderRecord({
          id: render.id,
          key,
          state: 'attached',
          format: render.format,
          size_bytes: render.size_bytes ?? null,
          bitrate: render.bitrate ?? null,
          duration: render.duration ?? null,
          message_id: message.id,
          created_at: render.created_at
        })
        if (await repository.insertRender(record)) backfilled++
      }
    }
    if (messages.length < PAGE) break
    afterId = messages[messages.length - 1].id
  }
  if (backfilled > 0) log.info({ backfilled }, 'recorded renders of the original system')
  return backfilled
}
