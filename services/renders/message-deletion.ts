import type { DeletionQueue } from '../deletion/deletion-queue.js'
import type { MessageDoc, Repository, ThreadDoc } from '../repository/types.js'
import { LIVE_STATES } from '../repository/types.js'
import type { RenderKeys } from './render-keys.js'
import { deletingFields, orphanRecord } from './render-record.js'

interface Deps {
  repository: Repository
  renderKeys: RenderKeys
  deletionQueue: DeletionQueue
  clock?: () => Date
}

/**
 * Deletes messages and threads with everything they use. A delete first marks the document
 * (one conditional write: from then on nothing can be attached to it or posted into it), then hands
 * the records of its renders and uploads to the deletion worker, then removes the documents. A
 * delete that stopped halfway is finished by the sweeper from the mark.
 */
export function createMessageDeletion ({ repository, renderKeys, deletionQueue, clock = () => new Date() }: Deps) {
  const now = () => clock().toISOString()

  async function finishMessages (messages: MessageDoc[]) {
    if (messages.length === 0) return
    const messageIds = messages.map((message) => message.id)
    await repository.updateRendersOfMessages(messageIds, LIVE_STATES, deletingFields(now()))
    // Seed renders may have no record yet: their keys get one, unless a record (ours or another message's) has the key.
    const keyed = messages.flatMap((message) => message.renders.flatMap((render) => {
      const key = renderKeys.keyOf(render)
      return key === null ? [] : [{ key, messageId: message.id }]
    }))
    const recorded = await repository.recordedKeys(keyed.map(({ key }) => key))
    for (const { key, messageId } of keyed) {
      // The key's uniqueness decides if a record appeared meanwhile; one the legacy backfill wrote
      // goes to deletion from the backfill, which reads the message again after its insert.
      if (!recorded.has(key)) await repository.insertRender({ ...orphanRecord(key, now()), message_id: messageId })
    }
    await repository.removeMessages(messages)
  }

  /** Best effort now; the worker retries whatever storage did not take. */
  async function deleteObjectsOf (messageIds: string[], log: (err: unknown) => void) {
    await deletionQueue.deleteForMessages(messageIds).catch(log)
  }

  async function finishThread (thread: ThreadDoc) {
    await repository.markThreadMessagesDeleting(thread.id, now())
    const messages = await repository.messagesOfThread(thread.id)
    await finishMessages(messages)
    await repository.removeThread(thread.id)
    return messages
  }

  return {
    async deleteMessage (id: string, log: (err: unknown) => void): Promise<MessageDoc | null> {
      const message = await repository.markMessageDeleting(id, now())
      if (message === null) return null
      await finishMessages([message])
      await deleteObjectsOf([id], log)
      return message
    },

    async deleteThread (id: string, log: (err: unknown) => void): Promise<{ thread: ThreadDoc, messages: MessageDoc[] } | null> {
      const thread = await repository.markThreadDeleting(id, now())
      if (thread === null) return null
      const messages = await finishThread(thread)
      await deleteObjectsOf(messages.map((message) => message.id), log)
      return { thread, messages }
    },

    /** Finishes deletes marked before `before` that never completed; returns how many. */
    async finishInterrupted (before: string, limit: number): Promise<number> {
      const threads = await repository.unfinishedThreadDeletes(before, limit)
      for (const thread of threads) await finishThread(thread)
      const messages = await repository.unfinishedMessageDeletes(before, limit)
      await finishMessages(messages)
      return threads.length + messages.length
    }
  }
}

export type MessageDeletion = ReturnType<typeof createMessageDeletion>
