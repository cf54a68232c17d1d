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

/** Who may read a thread's renders: anyone with the URL (public, the original behaviour) or signed GETs only (private). */
export type Visibility = 'public' | 'private'

/** The canned ACL a render object has in storage. */
export type ObjectAcl = 'public-read' | 'private'

export interface ThreadDoc {
  id: string
  title: string | null
  users: string[]
  /** Absent on documents written before visibility existed: public. */
  visibility?: Visibility
  /** Set with every visibility change, cleared once every render of the thread has the matching ACL. */
  renders_acl_pending?: boolean
  /** Message ids, oldest first (the seed keeps this list on the thread). */
  messages: string[]
  created_at: string
  /** Set when a delete has started: the thread is gone for readers and writers. */
  deleted_at?: string | null
  /** The user whose token created it (manages its members); null or absent for threads of the service token or the seed. */
  created_by?: string | null
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
  /** Set when a delete has started: the message is gone for readers and writers. */
  deleted_at?: string | null
}

/**
 * A render's life. Every change is one conditional write on one record, so who wins a race is
 * decided by the database:
 *   pending → verifying → ready → attaching → attached → deleting
 * pending/verifying/ready/attaching/attached may all go to deleting; attaching may fall back to
 * ready when its message vanished first. Only a deleting record's objects are ever deleted.
 */
export const RENDER_STATES = ['pending', 'verifying', 'ready', 'attaching', 'attached', 'deleting'] as const
export type RenderState = typeof RENDER_STATES[number]

export const LIVE_STATES: RenderState[] = ['pending', 'verifying', 'ready', 'attaching', 'attached']

/** The one record of every object we issued, stored or adopted. */
export interface RenderRecord {
  id: string
  /** Where the verified render lives; only the server writes it. */
  key: string
  /** Where a presigned PUT writes (direct uploads); copied to `key` once verified. Null otherwise. */
  upload_key: string | null
  state: RenderState
  format: string
  content_type: string
  /** Size the client declared when asking for an upload URL (direct uploads only). */
  declared_size: number | null
  size_bytes: number | null
  bitrate: number | null
  duration: number | null
  /** pending/verifying: the message named with the upload URL; attaching/attached: its message. */
  message_id: string | null
  /** When a pending upload's URL stops working. */
  expires_at: string | null
  created_at: string
  /** When the state last changed. */
  updated_at: string
  /**
   * The ACL last applied to the render's object (written after storage took it). Null: none applied
   * since the object was stored, so it has the configured RENDER_ACL (records written before ACLs were tracked).
   */
  acl: ObjectAcl | null
  /** Deleting only: failed attempts, when to try next, why the last one failed, who holds it. */
  attempts: number
  next_attempt_at: string | null
  last_error: string | null
  claimed_by: string | null
  /** The user whose token asked for the upload (only they complete it; it counts toward their quota); null for the service token. */
  uploaded_by: string | null
}

export type AnalysisState = 'pending' | 'ready' | 'failed'

/**
 * A render's analysis job (waveform peaks and measurements), one per verified render, removed with
 * the render. While pending, `next_attempt_at` is when it is due, or, while claimed, when the claim lapses.
 */
export interface AnalysisRecord {
  render_id: string
  /** The render's audio object and format, as verified. */
  key: string
  format: string
  state: AnalysisState
  attempts: number
  next_attempt_at: string | null
  claimed_by: string | null
  /** Failed attempts: why the last one failed. */
  last_error: string | null
  /** Seconds, from the decoded samples. */
  duration: number | null
  sample_rate: number | null
  channels: number | null
  peak_dbfs: number | null
  loudness_lufs: number | null
  created_at: string
  updated_at: string
}

/** Newest-first keyset pagination: return items strictly older than `before`. */
export interface Page {
  limit: number
  before?: { created_at: string, id: string }
}

/** How a message render may name an object: its key, its id (the key's file name), or a url. */
export interface KeyReference {
  key: string
  /** The render id a seed render of this key would carry. */
  id: string
  /** Every url a seed render of this key may carry (one per base the service knows). */
  urls: string[]
}

export interface RenderExpectation {
  state: RenderState[]
  message_id?: string | null
  /** The record has not changed since it was read (a stale claim is taken over only once). */
  updated_at?: string
  acl?: ObjectAcl | null
}

export type PushRenderResult = 'pushed' | 'present' | 'no_message'

/**
 * Plain atomic data operations. The rules of a render's life are in services/renders; an adapter
 * only makes each operation one conditional write (or, in SQLite, one transaction).
 */
export interface Repository {
  readonly kind: 'sqlite' | 'mongodb'
  ping (): Promise<void>
  close (): Promise<void>

  insertThread (thread: ThreadDoc): Promise<void>
  /** Live threads only. */
  findThread (id: string): Promise<ThreadDoc | null>
  /** Newest first; with `memberId`, only threads whose users include it. */
  listThreads (page: Page, memberId?: string): Promise<ThreadDoc[]>
  /** One conditional write on a live thread: adds the user unless present; null when no live thread has this id. */
  addThreadMember (threadId: string, userId: string): Promise<ThreadDoc | null>
  /** One conditional write on a live thread: removes the user; null when no live thread has this id. */
  removeThreadMember (threadId: string, userId: string): Promise<ThreadDoc | null>
  /** live → deleting, once; null when no live thread has this id. */
  markThreadDeleting (id: string, now: string): Promise<ThreadDoc | null>
  /** Adds the message id to a live thread; false when the thread is gone or going. */
  addMessageToThread (threadId: string, messageId: string): Promise<boolean>
  removeThread (id: string): Promise<void>
  /** Sets a live thread's visibility and marks its renders' ACLs pending, in one write; null when no live thread has this id. */
  setThreadVisibility (id: string, visibility: Visibility): Promise<ThreadDoc | null>
  /** Clears the pending mark, only while the thread still has this visibility; false otherwise. */
  finishThreadAcl (id: string, visibility: Visibility): Promise<boolean>
  /** Live threads whose renders' ACLs are pending (a change that did not finish), oldest first. */
  threadsWithPendingAcl (limit: number): Promise<ThreadDoc[]>
  /** Threads marked deleting before `before` (a delete that did not finish). */
  unfinishedThreadDeletes (before: string, limit: number): Promise<ThreadDoc[]>

  insertMessage (message: MessageDoc): Promise<void>
  /** Live messages only. */
  findMessage (id: string): Promise<MessageDoc | null>
  listMessages (threadId: string, page: Page): Promise<MessageDoc[]>
  /** Every message of the thread, live or deleting. */
  messagesOfThread (threadId: string): Promise<MessageDoc[]>
  /** live → deleting, once; null when no live message has this id. */
  markMessageDeleting (id: string, now: string): Promise<MessageDoc | null>
  markThreadMessagesDeleting (threadId: string, now: string): Promise<void>
  /** Appends the render to a live message unless a render with its id is there. */
  pushRender (messageId: string, render: RenderDoc): Promise<PushRenderResult>
  /** Sets the key of a legacy (url-only) render inside its message. */
  setRenderKey (messageId: string, renderId: string, key: string): Promise<void>
  /** Deletes the message documents and their ids from their threads. */
  removeMessages (messages: Array<Pick<MessageDoc, 'id' | 'parent_thread'>>): Promise<void>
  unfinishedMessageDeletes (before: string, limit: number): Promise<MessageDoc[]>
  /** Messages (oldest first, after `afterId`) that hold a render without a key. */
  messagesWithUnkeyedRenders (afterId: string | null, limit: number): Promise<MessageDoc[]>

  /** False when a record with this id or key exists. */
  insertRender (record: RenderRecord): Promise<boolean>
  findRender (id: string): Promise<RenderRecord | null>
  findRenderByKey (key: string): Promise<RenderRecord | null>
  /** One conditional write: `set` is applied only while the record meets `expected`. */
  updateRenderIf (id: string, expected: RenderExpectation, set: Partial<RenderRecord>): Promise<RenderRecord | null>
  /** Records of these messages in one of `states` get `set` (one conditional write each, or one for all). */
  updateRendersOfMessages (messageIds: string[], states: RenderState[], set: Partial<RenderRecord>): Promise<number>
  /**
   * Records in one of `states` whose `field` is before `before` (and, when given, with no message),
   * oldest first: candidates only; a caller decides each with updateRenderIf.
   */
  findStaleRenders (query: StaleQuery, limit: number): Promise<RenderRecord[]>
  /** Records of these messages in one of `states`. */
  rendersOfMessages (messageIds: string[], states: RenderState[]): Promise<RenderRecord[]>
  countStaleRenders (query: StaleQuery): Promise<number>
  /** Bytes of the user's live records: measured size, else the declared size of a pending upload. */
  storedBytesOf (userId: string): Promise<number>

  /**
   * Claims due deleting records for `holder` until `leaseUntil` with one conditional write, and
   * returns the ones it got: another worker never gets the same record while the claim lasts.
   */
  claimDueDeletions (now: string, holder: string, leaseUntil: string, limit: number, only?: DeletionFilter): Promise<RenderRecord[]>
  /** Removes deleting records that `holder` claimed. */
  finishDeletions (ids: string[], holder: string): Promise<void>
  postponeDeletions (jobs: Array<{ id: string, next_attempt_at: string, last_error: string }>, holder: string): Promise<void>
  countDeletions (): Promise<number>

  /** Which of these keys a record names: as its key (any state), or as the upload key of a record not yet verified. */
  recordedKeys (keys: string[]): Promise<Set<string>>
  /** Which keys some live message names (a message being deleted names nothing), with one message id for each. */
  messagesNaming (refs: KeyReference[]): Promise<Map<string, string>>
  /** Keys of records whose object must exist (ready, attaching, attached). */
  liveRenderKeys (): AsyncIterable<string>

  /** False when the render already has an analysis job. */
  insertAnalysis (record: AnalysisRecord): Promise<boolean>
  findAnalyses (renderIds: string[]): Promise<AnalysisRecord[]>
  /** Claims due pending jobs for `holder` until `leaseUntil` (one conditional write); another worker never gets them while the claim lasts. */
  claimDueAnalyses (now: string, holder: string, leaseUntil: string, limit: number): Promise<AnalysisRecord[]>
  /** Applies `set` to a pending job `holder` still holds; false when it does not (claim lapsed and taken, or job removed). */
  settleAnalysis (renderId: string, holder: string, set: Partial<AnalysisRecord>): Promise<boolean>
  /** Pending jobs `holder` claimed become due at `now` (a graceful shutdown hands them on). */
  releaseAnalyses (holder: string, now: string): Promise<void>
  removeAnalyses (renderIds: string[]): Promise<void>

  /** Takes or renews a named lease; false when another holder's lease has not expired. */
  acquireLease (name: string, holder: string, now: string, expiresAt: string): Promise<boolean>
  releaseLease (name: string, holder: string): Promise<void>
  getState (name: string): Promise<string | null>
  setState (name: string, value: string | null): Promise<void>
}

export interface StaleQuery {
  states: RenderState[]
  field: 'expires_at' | 'created_at' | 'updated_at'
  before: string
  unattachedOnly?: boolean
}

export interface DeletionFilter {
  ids?: string[]
  messageIds?: string[]
  /** Also take records waiting for a retry (not those another worker holds): an explicit cleanup. */
  ignoreBackoff?: boolean
}
