import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import type { MessageDoc, RenderDoc, RenderRecord, Repository, ThreadDoc } from '../../services/repository/types.js'

export interface ContractSubject {
  repository: Repository
  /** Writes a message document as-is, bypassing the repository (legacy seed documents). */
  writeRawMessage (doc: Record<string, unknown>): Promise<void>
  cleanup (): Promise<void>
}

const iso = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString()
const keyOf = (id: string) => `dev/renders/${id}.mp3`
const urlOf = (key: string) => `https://bucket.fra1.digitaloceanspaces.com/${key}`
const keysOf = (message: MessageDoc) => message.renders.map((render) => render.key ?? render.url.replace('https://bucket.fra1.digitaloceanspaces.com/', ''))

function thread (createdAt: string, id: string = randomUUID()): ThreadDoc {
  return { id, title: 'jam', users: ['u1'], messages: [], created_at: createdAt }
}

function message (threadId: string, createdAt: string, id: string = randomUUID()): MessageDoc {
  return { id, parent_thread: threadId, user_id: 'u1', snapshot: { bpm: 120 }, snapshot_metadata: null, renders: [], timestamp: createdAt, created_at: createdAt }
}

function render (id: string = randomUUID()): RenderDoc {
  const key = keyOf(id)
  return { id, url: urlOf(key), format: 'mp3', bitrate: 128, duration: 1.5, size_bytes: 100, created_at: iso(0), key }
}

function record (overrides: Partial<RenderRecord> = {}): RenderRecord {
  const id = overrides.id ?? randomUUID()
  return {
    id, key: keyOf(id), status: 'pending', format: 'mp3', content_type: 'audio/mpeg', declared_size: 100, size_bytes: null,
    bitrate: null, duration: null, message_id: null, expires_at: iso(1000), created_at: iso(0), ...overrides
  }
}

/** One behavioural contract for every Repository implementation. */
export function runRepositoryContract (t: Test, open: () => Promise<ContractSubject>) {
  async function subject (t: Test) {
    const opened = await open()
    t.teardown(() => opened.cleanup())
    return opened
  }

  t.test('threads: insert, find, list newest first with a cursor', async (t) => {
    const { repository } = await subject(t)
    const threads = Array.from({ length: 7 }, (_, i) => thread(iso(i % 3), `t${i}`))
    for (const item of threads) await repository.insertThread(item)
    t.same(await repository.findThread('t0'), threads[0])
    t.equal(await repository.findThread('missing'), null)
    const expected = [...threads].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id)).map((item) => item.id)
    const seen: string[] = []
    let page = await repository.listThreads({ limit: 3 })
    while (page.length > 0) {
      seen.push(...page.map((item) => item.id))
      const last = page[page.length - 1]
      page = await repository.listThreads({ limit: 3, before: { created_at: last.created_at, id: last.id } })
    }
    t.same(seen, expected, 'no duplicates or gaps, ties broken by id')
  })

  t.test('messages: insert appends to the thread; list newest first in pages', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    t.equal(await repository.insertMessage(message('missing', iso(0))), 'thread_not_found')
    const ids: string[] = []
    for (let i = 0; i < 25; i++) {
      const id = `m${String(i).padStart(2, '0')}`
      ids.push(id)
      t.equal(await repository.insertMessage(message('th', iso(i < 10 ? 5 : i), id)), 'inserted')
    }
    await repository.insertThread(thread(iso(0), 'other'))
    await repository.insertMessage(message('other', iso(99)))
    t.same((await repository.findThread('th'))!.messages.slice().sort(), [...ids].sort())
    const seen: string[] = []
    let page = await repository.listMessages('th', { limit: 4 })
    while (page.length > 0) {
      seen.push(...page.map((item) => item.id))
      const last = page[page.length - 1]
      page = await repository.listMessages('th', { limit: 4, before: { created_at: last.created_at, id: last.id } })
    }
    t.equal(new Set(seen).size, 25)
    t.same(seen.slice(0, 15), ids.slice(10).reverse(), 'distinct times: newest first')
    t.same(seen.slice(15), ids.slice(0, 10).reverse(), 'equal times: by id, descending')
  })

  t.test('attachRender is idempotent under concurrency', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    await repository.insertMessage(message('th', iso(1), 'm1'))
    const attached = render()
    const results = await Promise.all(Array.from({ length: 5 }, () => repository.attachRender('m1', attached)))
    t.same(results.filter((result) => result === 'attached'), ['attached'])
    t.same(results.filter((result) => result === 'already_attached').length, 4)
    t.same((await repository.findMessage('m1'))!.renders, [attached])
    t.equal(await repository.attachRender('missing', attached), 'message_not_found')
  })

  t.test('attaching or inserting links the render record to its message, once', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    const ready = { status: 'ready' as const, expires_at: null, size_bytes: 100 }
    const [first, second] = [render(), render()]
    await repository.insertRenderRecord(record({ ...ready, id: first.id }))
    await repository.insertRenderRecord(record({ ...ready, id: second.id }))
    t.equal(await repository.insertMessage({ ...message('th', iso(1), 'm1'), renders: [first] }), 'inserted')
    t.equal((await repository.findRenderRecord(first.id))!.message_id, 'm1', 'linked by insertMessage')
    await repository.insertMessage(message('th', iso(2), 'm2'))
    t.equal(await repository.attachRender('m2', second), 'attached')
    t.equal(await repository.attachRender('m2', second), 'already_attached')
    t.equal((await repository.findRenderRecord(second.id))!.message_id, 'm2', 'linked by attachRender')
    await repository.attachRender('m1', second)
    t.equal((await repository.findRenderRecord(second.id))!.message_id, 'm2', 'the first message keeps it')
  })

  t.test('a render whose key is queued for deletion is never attached again', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    await repository.insertMessage(message('th', iso(1), 'm1'))
    const doomed = render()
    await repository.enqueueDeletions([doomed.key!], iso(2))
    t.equal(await repository.attachRender('m1', doomed), 'render_deleted')
    t.equal(await repository.insertMessage({ ...message('th', iso(3), 'm2'), renders: [doomed] }), 'render_deleted')
    t.same((await repository.findMessage('m1'))!.renders, [])
    t.equal(await repository.findMessage('m2'), null)
  })

  t.test('deleteMessage queues its keys, drops its render records and its thread reference', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    await repository.insertMessage(message('th', iso(1), 'm1'))
    await repository.insertMessage(message('th', iso(2), 'm2'))
    const first = render()
    await repository.insertRenderRecord(record({ id: first.id, status: 'ready', expires_at: null, message_id: 'm1' }))
    await repository.attachRender('m1', first)
    const upload = record({ message_id: 'm1' })
    await repository.insertRenderRecord(upload)
    const deleted = await repository.deleteMessage('m1', keysOf, iso(10))
    t.equal(deleted!.message.id, 'm1')
    t.same(deleted!.keys.slice().sort(), [first.key!, upload.key].sort(), 'its renders and an upload made for it')
    t.equal(await repository.findMessage('m1'), null)
    t.equal(await repository.findRenderRecord(first.id), null)
    t.equal(await repository.findRenderRecord(upload.id), null)
    t.same((await repository.findThread('th'))!.messages, ['m2'])
    t.same((await repository.findDeletions([first.key!, upload.key])).map((job) => job.key).sort(), [first.key!, upload.key].sort())
    t.equal(await repository.deleteMessage('m1', keysOf, iso(10)), null)
  })

  t.test('a legacy seed-shaped message deletes cleanly', async (t) => {
    const { repository, writeRawMessage } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    const legacyKey = 'dev/renders/legacy.mp3'
    await writeRawMessage({
      id: 'legacy', parent_thread: 'th', user_id: 'u', snapshot: {}, snapshot_metadata: null, timestamp: iso(1), created_at: iso(1),
      renders: [{ id: 'legacy', url: urlOf(legacyKey), format: 'mp3', created_at: iso(1) }]
    })
    t.same(await repository.referencedKeys([{ key: legacyKey, url: urlOf(legacyKey) }]), new Set([legacyKey]), 'found by its url')
    const deleted = await repository.deleteMessage('legacy', keysOf, iso(2))
    t.equal(deleted!.message.renders.length, 1)
    t.same(deleted!.keys, [legacyKey])
    t.same((await repository.findDeletions([legacyKey])).length, 1)
    t.same(await repository.referencedKeys([{ key: legacyKey, url: urlOf(legacyKey) }]), new Set())
  })

  t.test('deleteThread removes its messages and queues every key', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    const renders = [render(), render()]
    for (const [i, item] of renders.entries()) {
      await repository.insertMessage(message('th', iso(i + 1), `m${i}`))
      await repository.attachRender(`m${i}`, item)
    }
    const deleted = await repository.deleteThread('th', keysOf, iso(5))
    t.equal(deleted!.messages.length, 2)
    t.same(deleted!.keys.slice().sort(), renders.map((item) => item.key!).sort())
    t.equal(await repository.findThread('th'), null)
    t.equal(await repository.findMessage('m0'), null)
    t.equal((await repository.findDeletions(renders.map((item) => item.key!))).length, 2)
    t.equal(await repository.deleteThread('th', keysOf, iso(5)), null)
  })

  t.test('render records: ready once, discard and expiry queue their keys', async (t) => {
    const { repository } = await subject(t)
    const pending = record()
    await repository.insertRenderRecord(pending)
    t.same(await repository.findRenderRecord(pending.id), pending)
    const results = await Promise.all(Array.from({ length: 20 }, () =>
      repository.markRenderReady(pending.id, { size_bytes: 100, bitrate: 128, duration: 1.5, message_id: null })))
    t.equal(results.filter((result) => result !== null).length, 1, 'exactly one wins')
    t.match(await repository.findRenderRecord(pending.id), { status: 'ready', size_bytes: 100, expires_at: null })

    const discarded = record()
    await repository.insertRenderRecord(discarded)
    t.equal((await repository.discardRenderRecord(discarded.id, iso(5)))!.id, discarded.id)
    t.equal(await repository.findRenderRecord(discarded.id), null)
    t.equal((await repository.findDeletions([discarded.key])).length, 1)

    const expired = record({ expires_at: iso(100) })
    const fresh = record({ expires_at: iso(5000) })
    await repository.insertRenderRecord(expired)
    await repository.insertRenderRecord(fresh)
    t.equal(await repository.countExpiredPendingUploads(iso(200)), 1)
    t.same((await repository.expirePendingUploads(iso(200), 10)).map((item) => item.id), [expired.id])
    t.equal(await repository.findRenderRecord(expired.id), null)
    t.ok(await repository.findRenderRecord(fresh.id), 'not expired yet')
    t.ok(await repository.findRenderRecord(pending.id), 'ready records never expire')
    t.equal((await repository.findDeletions([expired.key])).length, 1)
  })

  t.test('unattached ready renders expire after their grace; attached, fresh and pending ones stay', async (t) => {
    const { repository } = await subject(t)
    const ready = { status: 'ready' as const, expires_at: null, size_bytes: 100 }
    const unattached = record({ ...ready, created_at: iso(100) })
    const fresh = record({ ...ready, created_at: iso(5000) })
    const attached = record({ ...ready, created_at: iso(100), message_id: 'm1' })
    const pending = record({ created_at: iso(100) })
    for (const item of [unattached, fresh, attached, pending]) await repository.insertRenderRecord(item)

    t.equal(await repository.countUnattachedRenders(iso(200)), 1)
    t.same(await repository.expireUnattachedRenders(iso(200), 10), [unattached])
    t.equal(await repository.findRenderRecord(unattached.id), null)
    t.same((await repository.findDeletions([unattached.key])).map((job) => job.key), [unattached.key], 'its key is queued')
    for (const kept of [fresh, attached, pending]) t.same(await repository.findRenderRecord(kept.id), kept, `${kept.id} untouched`)
    t.same(await repository.findDeletions([fresh.key, attached.key, pending.key]), [], 'no other key queued')
    t.equal(await repository.countUnattachedRenders(iso(200)), 0)
    t.same(await repository.expireUnattachedRenders(iso(200), 10), [])
  })

  t.test('deletion queue: idempotent enqueue, due jobs, postpone, finish', async (t) => {
    const { repository } = await subject(t)
    await repository.enqueueDeletions(['a', 'b', 'c'], iso(0))
    await repository.enqueueDeletions(['a'], iso(50))
    t.equal(await repository.countDeletions(), 3)
    await repository.postponeDeletions([{ key: 'b', next_attempt_at: iso(100), last_error: 'InternalError: boom' }])
    t.same((await repository.dueDeletions(iso(10), 10)).map((job) => job.key), ['a', 'c'])
    t.match((await repository.findDeletions(['b']))[0], { attempts: 1, last_error: 'InternalError: boom', next_attempt_at: iso(100) })
    t.same((await repository.dueDeletions(iso(100), 10)).map((job) => job.key).sort(), ['a', 'b', 'c'])
    t.equal((await repository.dueDeletions(iso(100), 2)).length, 2, 'limit')
    await repository.finishDeletions(['a', 'c'])
    t.same((await repository.dueDeletions(iso(100), 10)).map((job) => job.key), ['b'])
  })

  t.test('referencedKeys and allRenderKeys see records and message renders', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    await repository.insertMessage(message('th', iso(1), 'm1'))
    const attached = render()
    await repository.attachRender('m1', attached)
    const ready = record({ status: 'ready', expires_at: null })
    const pending = record()
    await repository.insertRenderRecord(ready)
    await repository.insertRenderRecord(pending)
    const unknown = keyOf('nobody')
    const refs = [attached.key!, ready.key, pending.key, unknown].map((key) => ({ key, url: urlOf(key) }))
    t.same([...await repository.referencedKeys(refs)].sort(), [attached.key, ready.key, pending.key].sort())
    const all: string[] = []
    for await (const key of repository.allRenderKeys()) all.push(key)
    t.same(all.sort(), [attached.key, ready.key].sort(), 'ready records and attached renders, not pending uploads')
  })

  t.test('leases: one holder at a time until expiry; state values', async (t) => {
    const { repository } = await subject(t)
    t.equal(await repository.acquireLease('sweep', 'a', iso(0), iso(100)), true)
    t.equal(await repository.acquireLease('sweep', 'b', iso(10), iso(110)), false, 'held by a')
    t.equal(await repository.acquireLease('sweep', 'a', iso(20), iso(120)), true, 'a renews')
    t.equal(await repository.acquireLease('sweep', 'b', iso(120), iso(220)), true, 'expired: b takes it')
    await repository.releaseLease('sweep', 'a')
    t.equal(await repository.acquireLease('sweep', 'a', iso(130), iso(230)), false, 'a cannot release b\'s lease')
    await repository.releaseLease('sweep', 'b')
    t.equal(await repository.acquireLease('sweep', 'a', iso(130), iso(230)), true)

    t.equal(await repository.getState('cursor'), null)
    await repository.setState('cursor', 'k1')
    await repository.setState('cursor', 'k2')
    t.equal(await repository.getState('cursor'), 'k2')
    await repository.setState('cursor', null)
    t.equal(await repository.getState('cursor'), null)
    await repository.ping()
  })
}
