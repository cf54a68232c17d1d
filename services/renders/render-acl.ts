import type { AppConfig } from '../../config.js'
import type { ObjectAcl, RenderRecord, RenderState, Repository, ThreadDoc, Visibility } from '../repository/types.js'
import type { ObjectStorage } from '../storage/types.js'
import { peaksKeysOf } from './render-keys.js'

interface Deps {
  repository: Repository
  storage: ObjectStorage
  config: Pick<AppConfig, 'RENDER_ACL' | 'ENV'>
}

/** States in which a render's object exists at its key. */
const STORED: RenderState[] = ['ready', 'attaching', 'attached']
const ATTACHED: RenderState[] = ['attaching', 'attached']
/** A write lost to another writer is re-read and decided again, at most this often. */
const ATTEMPTS = 3

export const visibilityOf = (thread: Pick<ThreadDoc, 'visibility'>): Visibility => thread.visibility ?? 'public'

/**
 * Render ACLs follow their thread. The thread's visibility is the truth; each render record keeps
 * the ACL its object was last given (written after storage took it), so a mismatch is visible in the
 * database. A visibility change marks the thread pending in the same write; `reconcileThread` gives
 * every render the thread's ACL and clears the mark only while the visibility is still the one it
 * applied, so a change that stopped midway stays pending and the sweeper runs it again.
 */
export function createRenderAcl ({ repository, storage, config }: Deps) {
  /** What a thread's renders must have; a thread that is gone gets nothing public. */
  function aclForThread (thread: ThreadDoc | null): ObjectAcl {
    if (thread === null || config.RENDER_ACL === 'private' || visibilityOf(thread) === 'private') return 'private'
    return 'public-read'
  }

  /** What the object has: records written before ACLs were tracked have the configured one. */
  const currentAcl = (record: Pick<RenderRecord, 'acl'>): ObjectAcl => record.acl ?? config.RENDER_ACL

  async function threadOfMessage (messageId: string): Promise<ThreadDoc | null> {
    const message = await repository.findMessage(messageId)
    return message === null ? null : await repository.findThread(message.parent_thread)
  }

  /** The render's waveform files (written by its analysis, maybe not yet) get the render's ACL. */
  async function applyToPeaks (key: string, acl: ObjectAcl) {
    const keys = peaksKeysOf(config.ENV, key)
    if (keys !== null) await Promise.all([storage.setObjectAcl(keys.overview, acl), storage.setObjectAcl(keys.zoom, acl)])
  }

  /**
   * Gives the object `acl` unless its record says it has it (`force`: whatever the record says); the
   * record is written only after storage took it. The waveform files get it before the record is
   * written (a crash leaves the record to redo) and again after (an analysis that stored them
   * meanwhile read the old ACL, and reads the record again after storing them).
   */
  async function apply (record: RenderRecord, acl: ObjectAcl, force = false): Promise<RenderRecord> {
    let current = record
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (!STORED.includes(current.state)) return current
      if (currentAcl(current) === acl && !(force && attempt === 0)) return current
      if (!await storage.setObjectAcl(current.key, acl)) return current // no object: nothing to protect
      await applyToPeaks(current.key, acl)
      const written = await repository.updateRenderIf(current.id, { state: STORED, acl: current.acl ?? null }, { acl })
      if (written !== null) {
        await applyToPeaks(current.key, acl)
        return written
      }
      const reread = await repository.findRender(current.id)
      if (reread === null) return current
      current = reread
    }
    return current
  }

  /**
   * Gives a render its thread's ACL, then reads the thread again: a visibility change that landed
   * meanwhile is applied too, so the render never keeps the ACL of a visibility its thread left.
   */
  async function settle (record: RenderRecord, threadOf: () => Promise<ThreadDoc | null>, force = false): Promise<RenderRecord> {
    let settled = record
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const acl = aclForThread(await threadOf())
      settled = await apply(settled, acl, force)
      if (aclForThread(await threadOf()) === acl) return settled
    }
    return settled
  }

  /**
   * Brings every render of the thread to the thread's ACL; returns how many records changed. Each
   * object is given the ACL whatever its record says: a record lags its object while another change
   * is between its storage call and its record write (or stopped there). Each render is settled:
   * a change that landed meanwhile is applied too.
   */
  async function reconcileThread (threadId: string): Promise<number> {
    const thread = await repository.findThread(threadId)
    if (thread === null) return 0
    const messages = await repository.messagesOfThread(threadId)
    const records = await repository.rendersOfMessages(messages.map((message) => message.id), ATTACHED)
    let changed = 0
    for (const record of records) {
      const settled = await settle(record, () => repository.findThread(threadId), true)
      if (currentAcl(settled) !== currentAcl(record)) changed++
    }
    await repository.finishThreadAcl(threadId, visibilityOf(thread))
    return changed
  }

  return {
    aclForThread,
    currentAcl,
    threadOfMessage,
    settle,
    /** Settles a render claimed for a message (attach, crash repair). */
    settleForMessage: (record: RenderRecord, messageId: string) => settle(record, () => threadOfMessage(messageId)),
    reconcileThread,
    /**
     * Finishes visibility changes that did not finish (a crash, a storage outage); returns how many
     * render records changed. A thread that fails stays pending for the next run; the others go on.
     */
    async reconcilePending (limit: number, onFailed: (err: unknown, threadId: string) => void): Promise<number> {
      let changed = 0
      for (const thread of await repository.threadsWithPendingAcl(limit)) {
        try {
          changed += await reconcileThread(thread.id)
        } catch (err) {
          onFailed(err, thread.id)
        }
      }
      return changed
    }
  }
}

export type RenderAcl = ReturnType<typeof createRenderAcl>
