import type { FastifyBaseLogger } from 'fastify'
import type { AppConfig } from '../../config.js'
import type { RenderInput } from '../../schemas/renders.js'
import { conflict, notFound, renderDeleted, unprocessable } from '../errors.js'
import type { MessageDoc, RenderDoc, RenderRecord, Repository } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { AUDIO_FORMATS } from '../audio/audio-formats.js'
import type { RenderAcl } from './render-acl.js'
import { formatOfRenderKey } from './render-keys.js'
import { deletingFields, newRenderRecord } from './render-record.js'
import { docFromRecord } from './render-view.js'

interface Deps {
  repository: Repository
  storage: ObjectStorage
  renderAcl: RenderAcl
  config: Pick<AppConfig, 'ENV'>
  log: Pick<FastifyBaseLogger, 'warn'>
  clock?: () => Date
}

/** A claim lost to another writer is re-read and decided again, at most this often. */
const CLAIM_ATTEMPTS = 3

/**
 * Attaches renders to messages, each render to one message only. The claim — one conditional
 * write ready → attaching(message) — decides every race (another attach, the sweeper expiring the
 * render, a message delete); the message's renders array is written only after it.
 */
export function createRenderAttacher ({ repository, storage, renderAcl, config, log, clock = () => new Date() }: Deps) {
  const now = () => clock().toISOString()

  /** Our record of the render the client names; a stored object with no record (seed era) is adopted. */
  async function recordFor (input: RenderInput): Promise<RenderRecord> {
    const key = storage.keyFromUrl(input.url)
    const format = formatOfRenderKey(config.ENV, input.id, key)
    if (key === null || format === null) {
      throw unprocessable('render.url must be the url this service returned for render.id (our bucket and prefix)')
    }
    const found = await repository.findRender(input.id)
    if (found !== null) return found
    const head = await storage.headObject(key)
    if (head === null) throw unprocessable('The render\'s object does not exist in storage')
    // Adopted as `verifying`, which no claim takes, until the object is seen again after the insert:
    // between the HEAD and the insert the sweeper may have taken it for an orphan and deleted it.
    // Once the record exists no sweep takes the key for an orphan (it is unique). A crash in between
    // leaves the record to the sweeper's expiry of stale uploads (expires_at).
    const adopting = newRenderRecord({
      id: input.id,
      key,
      state: 'verifying',
      format,
      content_type: AUDIO_FORMATS[format].contentType,
      size_bytes: head.size,
      bitrate: input.bitrate ?? null,
      duration: input.duration ?? null,
      expires_at: now(),
      created_at: validDate(input.created_at) ?? now(),
      updated_at: now()
    })
    if (!await repository.insertRender(adopting)) {
      const existing = await repository.findRender(input.id) ?? await repository.findRenderByKey(key)
      if (existing === null) throw renderDeleted()
      return existing
    }
    const ours = { state: ['verifying' as const], updated_at: adopting.updated_at }
    if (await storage.headObject(key) === null) {
      await repository.updateRenderIf(adopting.id, ours, deletingFields(now()))
      throw unprocessable('The render\'s object does not exist in storage')
    }
    const adopted = await repository.updateRenderIf(adopting.id, ours, { state: 'ready', expires_at: null, updated_at: now() })
    return adopted ?? await repository.findRender(input.id) ?? Promise.reject(renderDeleted())
  }

  /** ready → attaching(messageId), or already this message's; refused otherwise. */
  async function claim (record: RenderRecord, messageId: string): Promise<RenderRecord> {
    let current: RenderRecord | null = record
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS && current !== null; attempt++) {
      switch (current.state) {
        case 'pending':
        case 'verifying':
          throw conflict('This render\'s upload has not been completed yet')
        case 'deleting':
          throw renderDeleted()
        case 'attaching':
        case 'attached':
          if (current.message_id === messageId) return current
          throw conflict('This render is attached to another message')
        case 'ready': {
          const claimed = await repository.updateRenderIf(current.id, { state: ['ready'] },
            { state: 'attaching', message_id: messageId, updated_at: now() })
          if (claimed !== null) return claimed
          current = await repository.findRender(current.id)
        }
      }
    }
    throw current === null ? renderDeleted() : conflict('This render is being changed by another request; try again')
  }

  /** Gives back claims made for a message that was not written after all. */
  async function release (records: RenderRecord[], messageId: string) {
    for (const record of records) {
      if (record.state !== 'attaching') continue
      await repository.updateRenderIf(record.id, { state: ['attaching'], message_id: messageId }, { state: 'ready', message_id: null, updated_at: now() })
    }
  }

  async function markAttached (records: RenderRecord[], messageId: string) {
    for (const record of records) {
      if (record.state !== 'attaching') continue
      await repository.updateRenderIf(record.id, { state: ['attaching'], message_id: messageId }, { state: 'attached', updated_at: now() })
    }
  }

  const docOf = (record: RenderRecord): RenderDoc => docFromRecord(record, storage.publicUrl(record.key))

  /**
   * Writes a claimed render into its message, after its object got the thread's ACL (a render
   * uploaded before it was attached has the default one); a message gone meanwhile gets its claim back.
   */
  async function link (claimed: RenderRecord, messageId: string) {
    const record = await renderAcl.settleForMessage(claimed, messageId)
    const pushed = await repository.pushRender(messageId, docOf(record))
    if (pushed === 'no_message') {
      await release([record], messageId)
      throw notFound('Message')
    }
    await markAttached([record], messageId)
  }

  return {
    /** Idempotent by render id: retries and concurrent requests leave the render in the message once. */
    async attach (messageId: string, input: RenderInput): Promise<void> {
      if (await repository.findMessage(messageId) === null) throw notFound('Message')
      await link(await claim(await recordFor(input), messageId), messageId)
    },

    /** Attaches a render we hold a record of (a completed direct upload). */
    async attachRecord (messageId: string, record: RenderRecord): Promise<void> {
      await link(await claim(record, messageId), messageId)
    },

    /**
     * Creates a message with its renders: every render is checked and claimed before the message is
     * written, and the message is written only into a live thread.
     */
    async createMessage (message: MessageDoc, inputs: RenderInput[]): Promise<MessageDoc> {
      const thread = () => repository.findThread(message.parent_thread)
      const unique = [...new Map(inputs.map((input) => [input.id, input])).values()]
      const records = await Promise.all(unique.map(recordFor))
      const claimed: RenderRecord[] = []
      try {
        for (const record of records) claimed.push(await claim(record, message.id))
        for (const [index, record] of claimed.entries()) claimed[index] = await renderAcl.settle(record, thread)
      } catch (err) {
        await release(claimed, message.id)
        throw err
      }
      const created = { ...message, renders: claimed.map(docOf) }
      await repository.insertMessage(created)
      if (!await repository.addMessageToThread(message.parent_thread, message.id)) {
        await repository.removeMessages([created])
        await release(claimed, message.id)
        throw notFound('Thread')
      }
      // A visibility change reconciled before the message was written did not see these renders;
      // one reconciled from now on does. The message exists: a failure here is left to the sweeper,
      // which repairs the claims (settles them again, then marks them attached).
      try {
        for (const [index, record] of claimed.entries()) claimed[index] = await renderAcl.settle(record, thread)
        await markAttached(claimed, message.id)
      } catch (err) {
        log.warn({ err, message_id: message.id }, 'message written; its renders\' ACL and attach are left to the sweeper\'s repair')
      }
      return created
    },

    /** Finishes an attach that stopped between its claim and its message write (a crash). */
    async repairClaim (record: RenderRecord): Promise<void> {
      if (record.state !== 'attaching' || record.message_id === null) return
      const settled = await renderAcl.settleForMessage(record, record.message_id)
      const pushed = await repository.pushRender(record.message_id, docOf(settled))
      if (pushed === 'no_message') await release([settled], record.message_id)
      else await markAttached([settled], record.message_id)
    }
  }
}

export type RenderAttacher = ReturnType<typeof createRenderAttacher>

function validDate (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : new Date(time).toISOString()
}
