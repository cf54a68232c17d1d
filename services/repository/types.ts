/**
 * Documents as stored, in the seed's snake_case shape. Dates are ISO-8601 strings
 * (`Date#toISOString()`), so they sort as text in both SQLite and MongoDB.
 */

/** A render as embedded in a message (the seed's Render JSON plus the storage key). */
export interface RenderDoc {
  id: string
  url: string
  format: string
  bitrate?: number | null
  duration?: number | null
  size_bytes?: number | null
  created_at: string
  /** Storage key; absent on legacy documents written by the seed, which only have `url`. */
  key?: string
}

export interface ThreadDoc {
  id: string
  title: string | null
  users: string[]
  /** Message ids, oldest first (the seed keeps this list on the thread). */
  messages: string[]
  created_at: string
}

export interface MessageDoc {
  id: string
  parent_thread: string
  user_id: string
  snapshot: Record<string, unknown>
  snapshot_metadata: Record<string, unknown> | null
  renders: RenderDoc[]
  timestamp: string
  created_at: string
}

export type RenderStatus = 'pending' | 'ready'

/** Our record of every object we issued or stored: pending direct uploads and ready renders. */
export interface RenderRecord {
  id: string
  key: string
  status: RenderStatus
  format: string
  content_type: string
  /** Size the client declared when asking for an upload URL (direct uploads only). */
  declared_size: number | null
  size_bytes: number | null
  bitrate: number | null
  duration: number | null
  message_id: string | null
  /** When a pending upload's URL stops working; null once ready. */
  expires_at: string | null
  created_at: string
}

export interface DeletionJob {
  key: string
  attempts: number
  next_attempt_at: string
  last_error: string | null
  created_at: string
}

/** Newest-first keyset pagination: return items strictly older than `before`. */
export interface Page {
  limit: number
  before?: { created_at: string, id: string }
}

/** Maps a message to the storage keys of its renders (legacy renders resolve through their url). */
export type KeysOfMessage = (message: MessageDoc) => string[]

export interface KeyReference {
  key: string
  /** The public URL a legacy render would carry for this key. */
  url: string
}

/** 'render_deleted': the render's key is queued for deletion, so it may not be used again. */
export type AttachResult = 'attached' | 'already_attached' | 'message_not_found' | 'render_deleted'
export type InsertMessageResult = 'inserted' | 'thread_not_found' | 'render_deleted'

export interface Repository {
  readonly kind: 'sqlite' | 'mongodb'
  ping (): Promise<void>
  close (): Promise<void>

  insertThread (thread: ThreadDoc): Promise<void>
  findThread (id: string): Promise<ThreadDoc | null>
  listThreads (page: Page): Promise<ThreadDoc[]>
  /**
   * Deletes the thread and its messages, and removes the render records of their renders and of
   * uploads made for them. Those keys are enqueued for deletion first (or in the same transaction)
   * and returned.
   */
  deleteThread (id: string, keysOf: KeysOfMessage, now: string): Promise<{ thread: ThreadDoc, messages: MessageDoc[], keys: string[] } | null>

  /**
   * Inserts the message (its id then lists in the thread) and links the render records of its
   * renders to it; refused when the thread does not exist or a render's key is queued for deletion.
   */
  insertMessage (message: MessageDoc): Promise<InsertMessageResult>
  findMessage (id: string): Promise<MessageDoc | null>
  listMessages (threadId: string, page: Page): Promise<MessageDoc[]>
  /**
   * Appends the render unless a render with the same id is already attached, and links its render
   * record to the message. Safe under concurrency. Refused when the render's key is queued for deletion.
   */
  attachRender (messageId: string, render: RenderDoc): Promise<AttachResult>
  /**
   * Enqueues the keys of the message's renders and of uploads made for it, removes their render
   * records, the message, and its id from the thread. Returns the message and the queued keys, or null.
   */
  deleteMessage (id: string, keysOf: KeysOfMessage, now: string): Promise<{ message: MessageDoc, keys: string[] } | null>

  insertRenderRecord (record: RenderRecord): Promise<void>
  findRenderRecord (id: string): Promise<RenderRecord | null>
  /** pending → ready, once: returns the updated record, or null when it was not pending. */
  markRenderReady (id: string, fields: Pick<RenderRecord, 'size_bytes' | 'bitrate' | 'duration' | 'message_id'>): Promise<RenderRecord | null>
  /** Enqueues the record's key for deletion, then removes the record. */
  discardRenderRecord (id: string, now: string): Promise<RenderRecord | null>
  /** Pending records whose `expires_at` is before `before`: enqueue their keys, remove them. */
  expirePendingUploads (before: string, limit: number): Promise<RenderRecord[]>
  /** How many pending records `expirePendingUploads(before)` would take (dry runs). */
  countExpiredPendingUploads (before: string): Promise<number>
  /**
   * Ready records never attached to a message (message_id null) created before `before`:
   * enqueue their keys, remove them. A record attached meanwhile is kept.
   */
  expireUnattachedRenders (before: string, limit: number): Promise<RenderRecord[]>
  /** How many records `expireUnattachedRenders(before)` would take (dry runs). */
  countUnattachedRenders (before: string): Promise<number>

  /** Idempotent: a key already queued keeps its schedule. */
  enqueueDeletions (keys: string[], now: string): Promise<void>
  /** Jobs due at `now`, oldest first. */
  dueDeletions (now: string, limit: number): Promise<DeletionJob[]>
  /** Jobs for these keys, whether due or not. */
  findDeletions (keys: string[]): Promise<DeletionJob[]>
  countDeletions (): Promise<number>
  finishDeletions (keys: string[]): Promise<void>
  postponeDeletions (jobs: Array<{ key: string, next_attempt_at: string, last_error: string }>): Promise<void>

  /**
   * Which of these keys something live still uses: a render record, or a message render
   * whose `key` equals it or (legacy) whose `url` equals the given url.
   */
  referencedKeys (refs: KeyReference[]): Promise<Set<string>>
  /** Keys of ready render records and of message renders that carry a key (used to report missing objects). */
  allRenderKeys (): AsyncIterable<string>

  /** Takes or renews a named lease; false when another holder's lease has not expired. */
  acquireLease (name: string, holder: string, now: string, expiresAt: string): Promise<boolean>
  releaseLease (name: string, holder: string): Promise<void>
  getState (name: string): Promise<string | null>
  setState (name: string, value: string | null): Promise<void>
}
