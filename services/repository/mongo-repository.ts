import type { Filter, MongoDbLike } from './mongo-like.js'
import { isDuplicateKey } from './mongo-like.js'
import type { DeletionJob, KeysOfMessage, MessageDoc, Page, RenderDoc, RenderRecord, Repository, ThreadDoc } from './types.js'

const NO_ID = { projection: { _id: 0 as const } }
const NEWEST_FIRST = { created_at: -1 as const, id: -1 as const }

export async function ensureMongoIndexes (db: MongoDbLike) {
  await Promise.all([
    db.collection('threads').createIndex({ id: 1 }, { unique: true }),
    db.collection('threads').createIndex({ created_at: -1, id: -1 }),
    db.collection('messages').createIndex({ id: 1 }, { unique: true }),
    db.collection('messages').createIndex({ parent_thread: 1, created_at: -1, id: -1 }),
    db.collection('messages').createIndex({ 'renders.key': 1 }),
    db.collection('messages').createIndex({ 'renders.url': 1 }),
    db.collection('render_records').createIndex({ id: 1 }, { unique: true }),
    db.collection('render_records').createIndex({ key: 1 }, { unique: true }),
    db.collection('render_records').createIndex({ status: 1, expires_at: 1 }),
    db.collection('render_records').createIndex({ status: 1, message_id: 1, created_at: 1 }),
    db.collection('deletion_jobs').createIndex({ key: 1 }, { unique: true }),
    db.collection('deletion_jobs').createIndex({ next_attempt_at: 1 }),
    db.collection('leases').createIndex({ name: 1 }, { unique: true }),
    db.collection('state').createIndex({ name: 1 }, { unique: true })
  ])
}

function olderThan (page: Page): Filter {
  if (page.before === undefined) return {}
  const { created_at: createdAt, id } = page.before
  return { $or: [{ created_at: { $lt: createdAt } }, { created_at: createdAt, id: { $lt: id } }] }
}

/**
 * MongoDB, without multi-document transactions. Every multi-step change writes in the order that
 * keeps a crash safe: deletion keys are queued first, then render records go, then the documents.
 * A crash leaves either a live message (its keys are then refused by the queue as still in use)
 * or queued keys that nothing references any more (deleted on the next run). Never a lost object.
 */
export function createMongoRepository (db: MongoDbLike): Repository {
  const threads = db.collection('threads')
  const messages = db.collection('messages')
  const records = db.collection('render_records')
  const jobs = db.collection('deletion_jobs')
  const leases = db.collection('leases')
  const state = db.collection('state')

  async function enqueue (keys: string[], now: string) {
    for (const key of keys) {
      await jobs.updateOne({ key }, { $setOnInsert: { key, attempts: 0, next_attempt_at: now, last_error: null, created_at: now } }, { upsert: true })
    }
  }

  /** Queues every key the messages use (their renders, and uploads recorded for them), then removes those records. */
  async function forgetRendersOf (docs: MessageDoc[], keysOf: KeysOfMessage, now: string): Promise<string[]> {
    const messageIds = docs.map((message) => message.id)
    const renderIds = docs.flatMap((message) => message.renders.map((render) => render.id))
    const uploads = await records.find({ message_id: { $in: messageIds } }, { projection: { _id: 0, key: 1 } }).toArray()
    const keys = [...new Set([...docs.flatMap(keysOf), ...uploads.map((record) => record.key as string)])]
    await enqueue(keys, now)
    await records.deleteMany({ $or: [{ id: { $in: renderIds } }, { message_id: { $in: messageIds } }] })
    return keys
  }

  /**
   * Without a multi-document transaction this check and the write are two steps: a key queued in
   * between is kept only if the write lands before the queue's in-use check (SQLite does both in one).
   */
  async function anyQueued (renders: RenderDoc[]) {
    const keys = renders.flatMap((render) => render.key === undefined ? [] : [render.key])
    return keys.length > 0 && await jobs.countDocuments({ key: { $in: keys } }) > 0
  }

  async function linkRecords (renders: RenderDoc[], messageId: string) {
    if (renders.length === 0) return
    await records.updateMany({ id: { $in: renders.map((render) => render.id) }, message_id: null }, { $set: { message_id: messageId } })
  }

  return {
    kind: 'mongodb',
    async ping () { await db.command({ ping: 1 }) },
    async close () {},

    async insertThread (thread) { await threads.insertOne({ ...thread }) },
    async findThread (id) { return await threads.findOne({ id }, NO_ID) as ThreadDoc | null },
    async listThreads (page) {
      return await threads.find(olderThan(page), { ...NO_ID, sort: NEWEST_FIRST, limit: page.limit }).toArray() as unknown as ThreadDoc[]
    },

    async deleteThread (id, keysOf, now) {
      const thread = await threads.findOne({ id }, NO_ID) as ThreadDoc | null
      if (thread === null) return null
      const docs = await messages.find({ parent_thread: id }, NO_ID).toArray() as unknown as MessageDoc[]
      const keys = await forgetRendersOf(docs, keysOf, now)
      await messages.deleteMany({ parent_thread: id })
      await threads.deleteOne({ id })
      return { thread, messages: docs, keys }
    },

    async insertMessage (message) {
      if (await threads.findOne({ id: message.parent_thread }, NO_ID) === null) return 'thread_not_found'
      if (await anyQueued(message.renders)) return 'render_deleted'
      await messages.insertOne({ ...message })
      await threads.updateOne({ id: message.parent_thread }, { $push: { messages: message.id } })
      await linkRecords(message.renders, message.id)
      return 'inserted'
    },
    async findMessage (id) { return await messages.findOne({ id }, NO_ID) as MessageDoc | null },
    async listMessages (threadId, page) {
      return await messages.find({ parent_thread: threadId, ...olderThan(page) }, { ...NO_ID, sort: NEWEST_FIRST, limit: page.limit }).toArray() as unknown as MessageDoc[]
    },

    async attachRender (messageId, render: RenderDoc) {
      if (await anyQueued([render])) return 'render_deleted'
      const { modifiedCount } = await messages.updateOne({ id: messageId, 'renders.id': { $ne: render.id } }, { $push: { renders: render } })
      if (modifiedCount === 0 && await messages.findOne({ id: messageId }, NO_ID) === null) return 'message_not_found'
      await linkRecords([render], messageId)
      return modifiedCount === 1 ? 'attached' : 'already_attached'
    },

    async deleteMessage (id, keysOf, now) {
      const message = await messages.findOne({ id }, NO_ID) as MessageDoc | null
      if (message === null) return null
      const keys = await forgetRendersOf([message], keysOf, now)
      await messages.deleteOne({ id })
      await threads.updateOne({ id: message.parent_thread }, { $pull: { messages: id } })
      return { message, keys }
    },

    async insertRenderRecord (record) { await records.insertOne({ ...record }) },
    async findRenderRecord (id) { return await records.findOne({ id }, NO_ID) as RenderRecord | null },
    async markRenderReady (id, fields) {
      const { modifiedCount } = await records.updateOne({ id, status: 'pending' }, { $set: { ...fields, status: 'ready', expires_at: null } })
      return modifiedCount === 1 ? await records.findOne({ id }, NO_ID) as RenderRecord | null : null
    },
    async discardRenderRecord (id, now) {
      const record = await records.findOne({ id }, NO_ID) as RenderRecord | null
      if (record === null) return null
      await enqueue([record.key], now)
      await records.deleteOne({ id })
      return record
    },
    async expirePendingUploads (before, limit) {
      const expired = await records.find({ status: 'pending', expires_at: { $lt: before } }, { ...NO_ID, sort: { expires_at: 1 }, limit }).toArray() as unknown as RenderRecord[]
      await enqueue(expired.map((record) => record.key), before)
      await records.deleteMany({ id: { $in: expired.map((record) => record.id) }, status: 'pending' })
      return expired
    },
    async countExpiredPendingUploads (before) { return records.countDocuments({ status: 'pending', expires_at: { $lt: before } }) },
    async expireUnattachedRenders (before, limit) {
      const unattached = { status: 'ready', message_id: null }
      const expired = await records.find({ ...unattached, created_at: { $lt: before } }, { ...NO_ID, sort: { created_at: 1 }, limit }).toArray() as unknown as RenderRecord[]
      await enqueue(expired.map((record) => record.key), before)
      await records.deleteMany({ id: { $in: expired.map((record) => record.id) }, ...unattached })
      return expired
    },
    async countUnattachedRenders (before) { return records.countDocuments({ status: 'ready', message_id: null, created_at: { $lt: before } }) },

    async enqueueDeletions (keys, now) { await enqueue(keys, now) },
    async dueDeletions (now, limit) {
      return await jobs.find({ next_attempt_at: { $lte: now } }, { ...NO_ID, sort: { next_attempt_at: 1, key: 1 }, limit }).toArray() as unknown as DeletionJob[]
    },
    async findDeletions (keys) { return await jobs.find({ key: { $in: keys } }, NO_ID).toArray() as unknown as DeletionJob[] },
    async countDeletions () { return jobs.countDocuments({}) },
    async finishDeletions (keys) { await jobs.deleteMany({ key: { $in: keys } }) },
    async postponeDeletions (postponed) {
      for (const job of postponed) {
        await jobs.updateOne({ key: job.key }, { $inc: { attempts: 1 }, $set: { next_attempt_at: job.next_attempt_at, last_error: job.last_error } })
      }
    },

    async referencedKeys (refs) {
      const keys = refs.map((ref) => ref.key)
      const keyOfUrl = new Map(refs.map((ref) => [ref.url, ref.key]))
      const wanted = new Set(keys)
      const used = new Set<string>()
      for (const record of await records.find({ key: { $in: keys } }, { projection: { _id: 0, key: 1 } }).toArray()) used.add(record.key as string)
      const docs = await messages.find(
        { $or: [{ 'renders.key': { $in: keys } }, { 'renders.url': { $in: [...keyOfUrl.keys()] } }] },
        { projection: { _id: 0, renders: 1 } }
      ).toArray()
      for (const render of docs.flatMap((doc) => doc.renders as RenderDoc[])) {
        if (render.key !== undefined && wanted.has(render.key)) used.add(render.key)
        const keyOfLegacyUrl = keyOfUrl.get(render.url)
        if (keyOfLegacyUrl !== undefined) used.add(keyOfLegacyUrl)
      }
      return used
    },

    async * allRenderKeys () {
      for (const record of await records.find({ status: 'ready' }, { projection: { _id: 0, key: 1 } }).toArray()) yield record.key as string
      const docs = await messages.find({ 'renders.key': { $exists: true } }, { projection: { _id: 0, renders: 1 } }).toArray()
      for (const render of docs.flatMap((doc) => doc.renders as RenderDoc[])) if (render.key !== undefined) yield render.key
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
