import type { FastifyBaseLogger } from 'fastify'
import type { RenderKeys } from '../renders/render-keys.js'
import { deletingFields, newRenderRecord } from '../renders/render-record.js'
import type { Repository } from '../repository/types.js'

const PAGE = 200
const DONE_STATE = 'legacy-renders:backfilled-for'

/**
 * Renders written by the original system carry only a url. Each one whose url resolves to our key
 * (under any known base) gets that key in its message and an attached record, so every rule that
 * reads records protects and deletes it like any other render. Idempotent; safe to run anywhere.
 */
export async function backfillLegacyRenders ({ repository, renderKeys, log, onlyOnce = false, clock = () => new Date() }: {
  repository: Repository
  renderKeys: RenderKeys
  log: FastifyBaseLogger
  /** Skip when a pass already ran with these url bases (sweeps); a start always runs one. */
  onlyOnce?: boolean
  clock?: () => Date
}) {
  const bases = renderKeys.bases.join(',')
  if (onlyOnce && await repository.getState(DONE_STATE) === bases) return 0
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
        if (!await repository.insertRender(record)) continue
        // The message was read live, but a delete may have begun since and missed this record:
        // once the record exists a delete finds it, so the message is read again after the insert.
        if (await repository.findMessage(message.id) === null) {
          await repository.updateRenderIf(record.id, { state: ['attached'], message_id: message.id }, deletingFields(clock().toISOString()))
          continue
        }
        backfilled++
      }
    }
    if (messages.length < PAGE) break
    afterId = messages[messages.length - 1].id
  }
  if (backfilled > 0) log.info({ backfilled }, 'recorded renders of the original system')
  await repository.setState(DONE_STATE, bases)
  return backfilled
}
