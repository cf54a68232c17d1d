import type { RenderInput } from '../../schemas/renders.js'
import { forbidden, notFound } from '../errors.js'
import type { MessageDoc, RenderRecord, Repository, ThreadDoc } from '../repository/types.js'
import type { Caller } from './caller.js'

/**
 * Who may see and change what. Users see the threads they are members of, with their messages and
 * renders; only a message's author changes it; only a thread's creator manages its members. The
 * service token is trusted with everything, as in the original system. Anything a user may not see
 * answers 404, exactly as if it did not exist; 403 only where the caller can already see the thing.
 */
export function createAccess (repository: Repository) {
  const isMember = (caller: Caller, thread: ThreadDoc) => caller.kind !== 'user' || thread.users.includes(caller.userId)

  async function visibleThread (caller: Caller, id: string): Promise<ThreadDoc> {
    const thread = await repository.findThread(id)
    if (thread === null || !isMember(caller, thread)) throw notFound('Thread')
    return thread
  }

  async function canSee (caller: Caller, message: MessageDoc | null): Promise<boolean> {
    if (message === null) return false
    if (caller.kind !== 'user') return true
    const thread = await repository.findThread(message.parent_thread)
    return thread !== null && isMember(caller, thread)
  }

  async function visibleMessage (caller: Caller, id: string): Promise<MessageDoc> {
    const message = await repository.findMessage(id)
    if (!await canSee(caller, message)) throw notFound('Message')
    return message!
  }

  return {
    visibleThread,
    visibleMessage,

    /** A thread whose members the caller may change (or that it may delete): its creator's. */
    async managedThread (caller: Caller, id: string): Promise<ThreadDoc> {
      const thread = await visibleThread(caller, id)
      if (caller.kind === 'user' && thread.created_by !== caller.userId) throw forbidden('Only the thread\'s creator may do this')
      return thread
    },

    /** A message the caller may change: its author's. */
    async authoredMessage (caller: Caller, id: string): Promise<MessageDoc> {
      const message = await visibleMessage(caller, id)
      if (caller.kind === 'user' && message.user_id !== caller.userId) throw forbidden('Only the message\'s author may do this')
      return message
    },

    /** The author a new message gets: a user writes as themselves; the service token as the user it names. */
    authorOf (caller: Caller, userId: string): string {
      if (caller.kind === 'user' && userId !== caller.userId) throw forbidden('user_id must be the user of the token')
      return userId
    },

    /** Its uploader, a member of the thread it is attached to, or the service token may read a render. */
    async checkRenderVisible (caller: Caller, record: RenderRecord): Promise<void> {
      if (caller.kind !== 'user' || record.uploaded_by === caller.userId) return
      const attached = (record.state === 'attaching' || record.state === 'attached') && record.message_id !== null
      if (attached && await canSee(caller, await repository.findMessage(record.message_id!))) return
      throw notFound('Render')
    },

    /** Only its uploader completes an upload (the service token completes its own and any other). */
    checkUploader (caller: Caller, record: RenderRecord): void {
      if (caller.kind === 'user' && record.uploaded_by !== caller.userId) throw notFound('Upload')
    },

    /** A user attaches their own uploads (or renders nobody uploaded as a user: the service's, the seed's). */
    async checkOwnRenders (caller: Caller, inputs: RenderInput[]): Promise<void> {
      if (caller.kind !== 'user') return
      for (const input of inputs) {
        const record = await repository.findRender(input.id)
        if (record !== null && record.uploaded_by !== null && record.uploaded_by !== caller.userId) throw notFound('Render')
      }
    }
  }
}

export type Access = ReturnType<typeof createAccess>
