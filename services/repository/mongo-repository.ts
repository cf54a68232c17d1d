import type { Filter, MongoDbLike } from './mongo-like.js'
import { isDuplicateKey } from './mongo-like.js'
import { LIVE_STATES, type AnalysisRecord, type MessageDoc, type Page, type RenderDoc, type RenderRecord, type Repository, type StaleQuery, type ThreadDoc } from './types.js'

const NO_ID = { projection: { _id: 0 as const } }
const AFTER = { returnDocument: 'after' as const, projection: { _id: 0 as const } }
const NEWEST_FIRST = { created_at: -1 as const, id: -1 as const }
/** Matches documents without the field too (seed documents never had it). */
const LIVE = { deleted_at: null }

export async function ensureMongoIndexes (db: MongoDbLike) {
  await Promise.all([
    db.collection('threads').createIndex({ id: 1 }, { unique: true }),
    db.collection('threads').createIndex({ created_at: -1, id: -1 }),
    db.collection('threads').createIndex({ deleted_at: 1 }),
    db.collection('threads').createIndex({ renders_acl_pending: 1, created_at: 1 }),
    db.collection('messages').createIndex({ id: 1 }, { unique: true }),
    db.collection('messages').createIndex({ parent_thread: 1, created_at: -1, id: -1 }),
    db.collection('messages').createIndex({ deleted_at: 1 }),
    db.collection('messages').createIndex({ 'renders.key': 1 }),
    db.collection('messages').createIndex({ 'renders.id': 1 }),
    db.collection('messages').createIndex({ 'renders.url': 1 }),
    db.collection('renders').createIndex({ id: 1 }, { unique: true }),
    db.collection('renders').createIndex({ key: 1 }, { unique: true }),
    db.collection('renders').createIndex({ upload_key: 1 }),
    db.collection('renders').createIndex({ message_id: 1 }),
    db.collection('renders').createIndex({ state: 1, expires_at: 1 }),
    db.collection('renders').createIndex({ state: 1, created_at: 1 }),
    db.collection('renders').createIndex({ state: 1, updated_at: 1 }),
    db.collection('renders').createIndex({ state: 1, next_attempt_at: 1 }),
    db.collection('analyses').createIndex({ render_id: 1 }, { unique: true }),
    db.collection('analyses').createIndex({ state: 1, next_attempt_at: 1 }),
    db.collection('renders').createIndex({ uploaded_by: 1, state: 1 }),
    db.collection('threads').createIndex({ users: 1, created_at: -1, id: -1 }),
    db.collection('leases').createIndex({ name: 1 }, { unique: true }),
    db.collection('state').createIndex({ name: 1 }, { unique: true })
  ])
}

function olderThan (page: Page): Filter {
  if (page.before === undefined) return {}
  const { created_at: createdAt, id } = page.before
  return { $or: [{ created_at: { $lt: createdAt } }, { created_at: createdAt, id: { $lt: id } }] }
}

function staleFilter (query: StaleQuery): Filter {
  return {
    state: { $in: query.states },
    [query.field]: { $lt: query.before },
    ...(query.unattachedOnly === true ? { message_id: null } : {})
  }
}

/**
 * MongoDB with single-document writes only (no transactions, so no replica set is needed): every
 * operation the services rely on for a race is one conditional write on one document.
 */
export function createMongoRepository (db: MongoDbLike): Repository {
  const threads = db.collection('threads')
  const messages = db.collection('messages')
  const renders = db.collection('renders')
  const analyses = db.collection('analyses')
  const leases = db.collection('leases')
  const state = db.collection('state')

  return {
    kind: 'mongodb',
    async ping () { await db.command({ ping: 1 }) },
    async close () {},

    async insertThread (thread) {
      await threads.insertOne({
        ...thread, created_by: thread.created_by ?? null, visibility: thread.visibility ?? 'public', renders_acl_pending: thread.renders_acl_pending === true, deleted_at: null
      })
    },
    async findThread (id) { return await threads.findOne({ id, ...LIVE }, NO_ID) as ThreadDoc | null },
    async listThreads (page, memberId) {
      const members = memberId === undefined ? {} : { users: memberId }
      return await threads.find({ ...LIVE, ...members, ...olderThan(page) }, { ...NO_ID, sort: NEWEST_FIRST, limit: page.limit }).toArray() as unknown as ThreadDoc[]
    },
    async addThreadMember (threadId, userId) {
      return await threads.findOneAndUpdate({ id: threadId, ...LIVE }, { $addToSet: { users: userId } }, AFTER) as ThreadDoc | null
    },
    async removeThreadMember (threadId, userId) {
      return await threads.findOneAndUpdate({ id: threadId, ...LIVE }, { $pull: { users: userId } }, AFTER) as ThreadDoc | null
    },
    async markThreadDeleting (id, now) {
      return await threads.findOneAndUpdate({ id, ...LIVE }, { $set: { deleted_at: now } }, AFTER) as ThreadDoc | null
    },
    async setThreadVisibility (id, visibility) {
      return await threads.findOneAndUpdate({ id, ...LIVE }, { $set: { visibility, renders_acl_pending: true } }, AFTER) as ThreadDoc | null
    },
    async finishThreadAcl (id, visibility) {
      // Seed documents have no visibility: public.
      const visible = visibility === 'public' ? { visibility: { $in: ['public', null] } } : { visibility }
      return (await threads.updateOne({ id, ...LIVE, ...visible, renders_acl_pending: true }, { $set: { renders_acl_pending: false } })).matchedCount === 1
    },
    async threadsWithPendingAcl (limit) {
      return await threads.find({ ...LIVE, renders_acl_pending: true }, { ...NO_ID, sort: { created_at: 1 }, limit }).toArray() as unknown as ThreadDoc[]
    },
    async addMessageToThread (threadId, messageId) {
      return (await threads.updateOne({ id: threadId, ...LIVE }, { $addToSet: { messages: messageId } })).matchedCount === 1
    },
    async removeThread (id) { await threads.deleteOne({ id }) },
    async unfinishedThreadDeletes (before, limit) {
      return await threads.find({ deleted_at: { $ne: null, $lt: before } }, { ...NO_ID, sort: { deleted_at: 1 }, limit }).toArray() as unknown as ThreadDoc[]
    },

    async insertMessage (message) { await messages.insertOne({ ...message, deleted_at: null }) },
    async findMessage (id) { return await messages.findOne({ id, ...LIVE }, NO_ID) as MessageDoc | null },
    async listMessages (threadId, page) {
      return await messages.find({ parent_thread: threadId, ...LIVE, ...olderThan(page) }, { ...NO_ID, sort: NEWEST_FIRST, limit: page.limit })
        .toArray() as unknown as MessageDoc[]
    },
    async messagesOfThread (threadId) {
      return await messages.find({ parent_thread: threadId }, NO_ID).toArray() as unknown as MessageDoc[]
    },
    async markMessageDeleting (id, now) {
      return await messages.findOneAndUpdate({ id, ...LIVE }, { $set: { deleted_at: now } }, AFTER) as MessageDoc | null
    },
    async markThreadMessagesDeleting (threadId, now) {
      await messages.updateMany({ parent_thread: threadId, ...LIVE }, { $set: { deleted_at: now } })
    },
    async pushRender (messageId, render) {
      const { matchedCount } = await messages.updateOne({ id: messageId, ...LIVE, 'renders.id': { $ne: render.id } }, { $push: { renders: render } })
      if (matchedCount === 1) return 'pushed'
      return await messages.findOne({ id: messageId, ...LIVE }, { projection: { _id: 0, id: 1 } }) === null ? 'no_message' : 'present'
    },
    async setRenderKey (messageId, renderId, key) {
      // One write to the one element: a concurrent change of the array (another key, a push) is kept.
      await messages.updateOne({ id: messageId }, { $set: { 'renders.$[render].key': key } },
        { arrayFilters: [{ 'render.id': renderId, 'render.key': { $exists: false } }] })
    },
    async removeMessages (docs) {
      if (docs.length === 0) return
      await messages.deleteMany({ id: { $in: docs.map((doc) => doc.id) } })
      for (const threadId of new Set(docs.map((doc) => doc.parent_thread))) {
        await threads.updateOne({ id: threadId }, { $pull: { messages: { $in: docs.map((doc) => doc.id) } } })
      }
    },
    async unfinishedMessageDeletes (before, limit) {
      return await messages.find({ deleted_at: { $ne: null, $lt: before } }, { ...NO_ID, sort: { deleted_at: 1 }, limit }).toArray() as unknown as MessageDoc[]
    },
    async messagesWithUnkeyedRenders (afterId, limit) {
      return await messages.find(
        { id: { $gt: afterId ?? '' }, renders: { $elemMatch: { key: { $exists: false } } } },
        { ...NO_ID, sort: { id: 1 }, limit }
      ).toArray() as unknown as MessageDoc[]
    },

    async insertRender (record) {
      try {
        await renders.insertOne({ ...record })
        return true
      } catch (err) {
        if (isDuplicateKey(err)) return false
        throw err
      }
    },
    async findRender (id) { return await renders.findOne({ id }, NO_ID) as RenderRecord | null },
    async findRenderByKey (key) { return await renders.findOne({ key }, NO_ID) as RenderRecord | null },
    async updateRenderIf (id, expected, set) {
      const filter: Filter = { id, state: { $in: expected.state } }
      if (expected.message_id !== undefined) filter.message_id = expected.message_id
      if (expected.updated_at !== undefined) filter.updated_at = expected.updated_at
      // Records written before ACLs were tracked have no acl field; null matches them too.
      if (expected.acl !== undefined) filter.acl = expected.acl
      return await renders.findOneAndUpdate(filter, { $set: set }, AFTER) as RenderRecord | null
    },
    async updateRendersOfMessages (messageIds, states, set) {
      if (messageIds.length === 0) return 0
      return (await renders.updateMany({ message_id: { $in: messageIds }, state: { $in: states } }, { $set: set })).modifiedCount
    },
    async findStaleRenders (query, limit) {
      return await renders.find(staleFilter(query), { ...NO_ID, sort: { [query.field]: 1 }, limit }).toArray() as unknown as RenderRecord[]
    },
    async countStaleRenders (query) { return renders.countDocuments(staleFilter(query)) },
    async rendersOfMessages (messageIds, states) {
      if (messageIds.length === 0) return []
      return await renders.find({ message_id: { $in: messageIds }, state: { $in: states } }, { ...NO_ID, sort: { id: 1 } }).toArray() as unknown as RenderRecord[]
    },
    async storedBytesOf (userId) {
      // Summed here rather than with $group: the repository keeps to find/update (mingo runs the same calls).
      const docs = await renders.find({ uploaded_by: userId, state: { $in: LIVE_STATES } }, { projection: { _id: 0, size_bytes: 1, declared_size: 1 } }).toArray()
      return docs.reduce((sum, doc) => sum + ((doc.size_bytes ?? doc.declared_size ?? 0) as number), 0)
    },

    async claimDueDeletions (now, holder, leaseUntil, limit, only = {}) {
      const due: Filter = {
        state: 'deleting',
        ...(only.ignoreBackoff === true ? { $or: [{ next_attempt_at: { $lte: now } }, { claimed_by: null }] } : { next_attempt_at: { $lte: now } }),
        ...(only.ids !== undefined ? { id: { $in: only.ids } } : {}),
        ...(only.messageIds !== undefined ? { message_id: { $in: only.messageIds } } : {})
      }
      const candidates = await renders.find(due, { projection: { _id: 0, id: 1 }, sort: { next_attempt_at: 1, id: 1 }, limit }).toArray()
      if (candidates.length === 0) return []
      const ids = candidates.map((candidate) => candidate.id)
      // The filter repeats "due": a record another worker claimed meanwhile no longer matches.
      await renders.updateMany({ ...due, id: { $in: ids } }, { $set: { claimed_by: holder, next_attempt_at: leaseUntil } })
      return await renders.find({ id: { $in: ids }, state: 'deleting', claimed_by: holder, next_attempt_at: leaseUntil }, NO_ID).toArray() as unknown as RenderRecord[]
    },
    async finishDeletions (ids, holder) {
      if (ids.length > 0) await renders.deleteMany({ id: { $in: ids }, state: 'deleting', claimed_by: holder })
    },
    async postponeDeletions (jobs, holder) {
      for (const job of jobs) {
        await renders.updateOne({ id: job.id, state: 'deleting', claimed_by: holder },
          { $inc: { attempts: 1 }, $set: { next_attempt_at: job.next_attempt_at, last_error: job.last_error, claimed_by: null } })
      }
    },
    async countDeletions () { return renders.countDocuments({ state: 'deleting' }) },

    async recordedKeys (keys) {
      const found = new Set<string>()
      const docs = await renders.find(
        { $or: [{ key: { $in: keys } }, { upload_key: { $in: keys }, state: { $in: ['pending', 'verifying', 'deleting'] } }] },
        { projection: { _id: 0, key: 1, upload_key: 1 } }
      ).toArray()
      const wanted = new Set(keys)
      for (const doc of docs) {
        for (const key of [doc.key, doc.upload_key]) if (typeof key === 'string' && wanted.has(key)) found.add(key)
      }
      return found
    },
    async messagesNaming (refs) {
      const keyOf = new Map<string, string>()
      for (const ref of refs) {
        keyOf.set(`key:${ref.key}`, ref.key)
        keyOf.set(`id:${ref.id}`, ref.key)
        for (const url of ref.urls) keyOf.set(`url:${url}`, ref.key)
      }
      const docs = await messages.find({
        ...LIVE,
        $or: [
          { 'renders.key': { $in: refs.map((ref) => ref.key) } },
          { 'renders.id': { $in: refs.map((ref) => ref.id) } },
          { 'renders.url': { $in: refs.flatMap((ref) => ref.urls) } }
        ]
      }, { projection: { _id: 0, id: 1, renders: 1 } }).toArray()
      const named = new Map<string, string>()
      for (const doc of docs) {
        for (const render of doc.renders as RenderDoc[]) {
          for (const name of [`key:${render.key}`, `id:${render.id}`, `url:${render.url}`]) {
            const key = keyOf.get(name)
            if (key !== undefined && !named.has(key)) named.set(key, doc.id as string)
          }
        }
      }
      return named
    },
    async * liveRenderKeys () {
      const docs = await renders.find({ state: { $in: ['ready', 'attaching', 'attached'] } }, { projection: { _id: 0, key: 1 } }).toArray()
      for (const doc of docs) yield doc.key as string
    },

    async insertAnalysis (record) {
      try {
        await analyses.insertOne({ ...record })
        return true
      } catch (err) {
        if (isDuplicateKey(err)) return false
        throw err
      }
    },
    async findAnalyses (renderIds) {
      if (renderIds.length === 0) return []
      return await analyses.find({ render_id: { $in: renderIds } }, NO_ID).toArray() as unknown as AnalysisRecord[]
    },
    async claimDueAnalyses (now, holder, leaseUntil, limit) {
      const due: Filter = { state: 'pending', next_attempt_at: { $lte: now } }
      const candidates = await analyses.find(due, { projection: { _id: 0, render_id: 1 }, sort: { next_attempt_at: 1, render_id: 1 }, limit }).toArray()
      if (candidates.length === 0) return []
      const ids = candidates.map((candidate) => candidate.render_id)
      // The filter repeats "due": a job another worker claimed meanwhile no longer matches.
      await analyses.updateMany({ ...due, render_id: { $in: ids } }, { $set: { claimed_by: holder, next_attempt_at: leaseUntil } })
      return await analyses.find({ render_id: { $in: ids }, state: 'pending', claimed_by: holder, next_attempt_at: leaseUntil }, NO_ID)
        .toArray() as unknown as AnalysisRecord[]
    },
    async settleAnalysis (renderId, holder, set) {
      return (await analyses.updateOne({ render_id: renderId, state: 'pending', claimed_by: holder }, { $set: set })).matchedCount === 1
    },
    async releaseAnalyses (holder, now) {
      await analyses.updateMany({ state: 'pending', claimed_by: holder }, { $set: { claimed_by: null, next_attempt_at: now } })
    },
    async removeAnalyses (renderIds) {
      if (renderIds.length > 0) await analyses.deleteMany({ render_id: { $in: renderIds } })
    },

    async acquireLease (name, holder, now, expiresAt) {
      try {
        await leases.updateOne(
          { name, $or: [{ holder }, { expires_at: { $lte: now } }] },
          { $set: { holder, expires_at: expiresAt } },
          { upsert: true }
        )
        return true
      } catch (err) {
        if (isDuplicateKey(err)) return false // the lease exists, held by another holder and not expired
        throw err
      }
    },
    async releaseLease (name, holder) { await leases.deleteOne({ name, holder }) },
    async getState (name) { return (await state.findOne({ name }, NO_ID))?.value as string | undefined ?? null },
    async setState (name, value) {
      if (value === null) await state.deleteOne({ name })
      else await state.updateOne({ name }, { $set: { value } }, { upsert: true })
    }
  }
}
