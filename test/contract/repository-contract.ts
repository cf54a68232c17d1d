import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { newRenderRecord } from '../../services/renders/render-record.js'
import type { AnalysisRecord, MessageDoc, RenderDoc, RenderRecord, Repository, ThreadDoc } from '../../services/repository/types.js'

export interface ContractSubject {
  repository: Repository
  /** Writes a message document as-is, bypassing the repository (legacy seed documents). */
  writeRawMessage (doc: Record<string, unknown>): Promise<void>
  cleanup (): Promise<void>
}

const iso = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString()
const keyOf = (id: string) => `dev/renders/${id}.mp3`
const urlOf = (key: string) => `https://bucket.fra1.digitaloceanspaces.com/${key}`

function thread (createdAt: string, id: string = randomUUID()): ThreadDoc {
  return { id, title: 'jam', users: ['u1'], visibility: 'public', renders_acl_pending: false, messages: [], created_at: createdAt, deleted_at: null, created_by: null }
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
  return newRenderRecord({ id, key: keyOf(id), state: 'pending', declared_size: 100, expires_at: iso(1000), created_at: iso(0), ...overrides })
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

  t.test('members: added and removed by one conditional write each; a member lists their threads', async (t) => {
    const { repository } = await subject(t)
    const owned = { ...thread(iso(1), 'owned'), users: ['alice'], created_by: 'alice' }
    await repository.insertThread(owned)
    await repository.insertThread({ ...thread(iso(2), 'other'), users: ['bob'] })
    t.same(await repository.findThread('owned'), owned, 'the creator is kept')

    const added = await Promise.all(['bob', 'carol', 'dave', 'bob'].map((user) => repository.addThreadMember('owned', user)))
    t.ok(added.every((doc) => doc !== null))
    t.same([...(await repository.findThread('owned'))!.users].sort(), ['alice', 'bob', 'carol', 'dave'], 'concurrent adds all land, once each')
    t.same([...(await repository.removeThreadMember('owned', 'carol'))!.users].sort(), ['alice', 'bob', 'dave'])
    t.same([...(await repository.removeThreadMember('owned', 'nobody'))!.users].sort(), ['alice', 'bob', 'dave'], 'removing a non-member changes nothing')
    t.same((await repository.listThreads({ limit: 10 }, 'bob')).map((doc) => doc.id), ['other', 'owned'])
    t.same((await repository.listThreads({ limit: 10 }, 'dave')).map((doc) => doc.id), ['owned'])
    t.same(await repository.listThreads({ limit: 10 }, 'carol'), [])
    t.same((await repository.listThreads({ limit: 1, before: { created_at: iso(2), id: 'other' } }, 'bob')).map((doc) => doc.id), ['owned'], 'pages too')

    await repository.markThreadDeleting('owned', iso(5))
    t.equal(await repository.addThreadMember('owned', 'erin'), null, 'not on a thread being deleted')
    t.equal(await repository.removeThreadMember('owned', 'bob'), null)
    t.equal(await repository.addThreadMember('missing', 'erin'), null)
  })

  t.test('uploaders: recorded on the render, their live bytes summed', async (t) => {
    const { repository } = await subject(t)
    await repository.insertRender(record({ uploaded_by: 'alice', declared_size: 300 }))
    const ready = record({ uploaded_by: 'alice', state: 'ready', declared_size: 500, size_bytes: 400 })
    await repository.insertRender(ready)
    await repository.insertRender(record({ uploaded_by: 'alice', state: 'deleting', size_bytes: 10_000 }))
    await repository.insertRender(record({ uploaded_by: 'bob', state: 'attached', size_bytes: 7 }))
    await repository.insertRender(record({ state: 'attached', size_bytes: 9 }))
    t.equal((await repository.findRender(ready.id))!.uploaded_by, 'alice')
    t.equal(await repository.storedBytesOf('alice'), 700, 'measured size, else the declared one; deleting records do not count')
    t.equal(await repository.storedBytesOf('bob'), 7)
    t.equal(await repository.storedBytesOf('nobody'), 0)
  })

  t.test('messages: insert appends to the thread; list newest first in pages', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    t.equal(await repository.addMessageToThread('missing', 'm'), false, 'no such thread')
    const ids: string[] = []
    for (let i = 0; i < 25; i++) {
      const id = `m${String(i).padStart(2, '0')}`
      ids.push(id)
      await repository.insertMessage(message('th', iso(i < 10 ? 5 : i), id))
      t.equal(await repository.addMessageToThread('th', id), true)
    }
    await repository.insertThread(thread(iso(0), 'other'))
    const other = message('other', iso(99))
    await repository.insertMessage(other)
    await repository.addMessageToThread('other', other.id)
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

  async function threadWithMessage (repository: Repository, threadId = 'th', messageId = 'm1') {
    await repository.insertThread(thread(iso(0), threadId))
    await repository.insertMessage(message(threadId, iso(1), messageId))
    await repository.addMessageToThread(threadId, messageId)
  }

  t.test('pushRender appends once, under concurrency, and only to a live message', async (t) => {
    const { repository } = await subject(t)
    await threadWithMessage(repository)
    const attached = render()
    const results = await Promise.all(Array.from({ length: 5 }, () => repository.pushRender('m1', attached)))
    t.same(results.filter((result) => result === 'pushed'), ['pushed'])
    t.equal(results.filter((result) => result === 'present').length, 4)
    t.same((await repository.findMessage('m1'))!.renders, [attached])
    t.equal(await repository.pushRender('missing', attached), 'no_message')
    await repository.markMessageDeleting('m1', iso(2))
    t.equal(await repository.pushRender('m1', render()), 'no_message', 'a message being deleted takes no render')
  })

  t.test('updateRenderIf: one conditional write decides every race', async (t) => {
    const { repository } = await subject(t)
    const ready = record({ state: 'ready' })
    t.equal(await repository.insertRender(ready), true)
    t.equal(await repository.insertRender(ready), false, 'same id')
    t.equal(await repository.insertRender({ ...record(), key: ready.key }), false, 'same key')
    t.same(await repository.findRender(ready.id), ready)
    t.same(await repository.findRenderByKey(ready.key), ready)

    const claims = await Promise.all(['m1', 'm2', 'm3'].map((messageId) =>
      repository.updateRenderIf(ready.id, { state: ['ready'] }, { state: 'attaching', message_id: messageId })))
    const winners = claims.filter((claim) => claim !== null)
    t.equal(winners.length, 1, 'one message gets the render')
    const owner = winners[0]!.message_id
    t.equal(await repository.updateRenderIf(ready.id, { state: ['attaching'], message_id: 'other' }, { state: 'attached' }), null, 'message must match')
    t.match(await repository.updateRenderIf(ready.id, { state: ['attaching'], message_id: owner }, { state: 'attached' }), { state: 'attached', message_id: owner })
    t.equal(await repository.updateRenderIf('missing', { state: ['ready'] }, { state: 'deleting' }), null)
    const unattached = record({ state: 'ready' })
    await repository.insertRender(unattached)
    t.match(await repository.updateRenderIf(unattached.id, { state: ['ready'], message_id: null }, { state: 'deleting' }), { state: 'deleting' })

    const verifying = record({ state: 'verifying', updated_at: iso(1) })
    await repository.insertRender(verifying)
    const takeovers = await Promise.all([iso(5), iso(6)].map((now) =>
      repository.updateRenderIf(verifying.id, { state: ['verifying'], updated_at: iso(1) }, { updated_at: now })))
    t.equal(takeovers.filter((claim) => claim !== null).length, 1, 'a stale claim is taken over once')
    t.equal(await repository.updateRenderIf(verifying.id, { state: ['verifying'], updated_at: iso(1) }, { state: 'pending' }), null, 'updated_at must match')
  })

  t.test('records of messages, stale records and recorded keys', async (t) => {
    const { repository } = await subject(t)
    const attached = record({ state: 'attached', message_id: 'm1', created_at: iso(1) })
    const upload = record({ state: 'pending', message_id: 'm1', upload_key: 'dev/uploads/u.mp3', expires_at: iso(50) })
    const elsewhere = record({ state: 'attached', message_id: 'm2' })
    const oldReady = record({ state: 'ready', created_at: iso(10) })
    const newReady = record({ state: 'ready', created_at: iso(500) })
    for (const item of [attached, upload, elsewhere, oldReady, newReady]) await repository.insertRender(item)

    t.equal(await repository.countStaleRenders({ states: ['ready'], field: 'created_at', before: iso(100), unattachedOnly: true }), 1)
    t.same((await repository.findStaleRenders({ states: ['ready'], field: 'created_at', before: iso(100), unattachedOnly: true }, 10)).map((item) => item.id), [oldReady.id])
    t.same((await repository.findStaleRenders({ states: ['pending', 'verifying'], field: 'expires_at', before: iso(100) }, 10)).map((item) => item.id), [upload.id])

    t.same([...await repository.recordedKeys([attached.key, 'dev/uploads/u.mp3', 'dev/renders/none.mp3'])].sort(), [attached.key, 'dev/uploads/u.mp3'].sort(),
      'a pending upload\'s staging key is recorded')
    t.equal(await repository.updateRendersOfMessages(['m1'], ['pending', 'attached'], { state: 'deleting', next_attempt_at: iso(60) }), 2)
    t.equal((await repository.findRender(elsewhere.id))!.state, 'attached', 'another message\'s render is untouched')
    t.same([...await repository.recordedKeys(['dev/uploads/u.mp3'])], ['dev/uploads/u.mp3'], 'still recorded while deleting')
    await repository.updateRenderIf(newReady.id, { state: ['ready'] }, { upload_key: 'dev/uploads/n.mp3' })
    t.same([...await repository.recordedKeys(['dev/uploads/n.mp3'])], [], 'the staging key of a verified render is nobody\'s')
    const live: string[] = []
    for await (const key of repository.liveRenderKeys()) live.push(key)
    t.same(live.sort(), [elsewhere.key, oldReady.key, newReady.key].sort())
  })

  t.test('deleting records: claimed by one worker, postponed, finished', async (t) => {
    const { repository } = await subject(t)
    const jobs = ['a', 'b', 'c'].map((id) => record({ id, state: 'deleting', next_attempt_at: iso(0), message_id: id === 'c' ? 'mc' : null }))
    for (const job of jobs) await repository.insertRender(job)
    t.equal(await repository.countDeletions(), 3)
    const [first, second] = await Promise.all([
      repository.claimDueDeletions(iso(10), 'w1', iso(1000), 10),
      repository.claimDueDeletions(iso(10), 'w2', iso(1000), 10)
    ])
    t.equal(first.length + second.length, 3, 'every record claimed once')
    t.same(new Set([...first, ...second].map((job) => job.id)).size, 3, 'by one worker only')
    const mine = first.length > 0 ? 'w1' : 'w2'
    const claimed = first.length > 0 ? first : second
    t.same(await repository.claimDueDeletions(iso(999), 'w3', iso(2000), 10), [], 'a live claim is respected')
    await repository.postponeDeletions([{ id: claimed[0].id, next_attempt_at: iso(5000), last_error: 'InternalError: boom' }], mine)
    await repository.finishDeletions(claimed.slice(1).map((job) => job.id), 'not-the-holder')
    t.equal(await repository.countDeletions(), 3, 'only the holder finishes')
    await repository.finishDeletions(claimed.slice(1).map((job) => job.id), mine)
    t.equal(await repository.countDeletions(), 1)
    t.match(await repository.findRender(claimed[0].id), { attempts: 1, last_error: 'InternalError: boom', next_attempt_at: iso(5000), claimed_by: null })
    t.same(await repository.claimDueDeletions(iso(100), 'w4', iso(200), 10), [], 'backing off')
    t.same((await repository.claimDueDeletions(iso(100), 'w4', iso(200), 10, { ignoreBackoff: true })).map((job) => job.id), [claimed[0].id], 'an explicit cleanup retries now')
    const expiredClaim = await repository.claimDueDeletions(iso(300), 'w5', iso(400), 10)
    t.same(expiredClaim.map((job) => job.id), [claimed[0].id], 'a dead worker\'s claim lapses')

    const byMessage = record({ state: 'deleting', next_attempt_at: iso(0), message_id: 'mx' })
    await repository.insertRender(byMessage)
    t.same((await repository.claimDueDeletions(iso(500), 'w6', iso(900), 10, { messageIds: ['mx'] })).map((job) => job.id), [byMessage.id])
    t.same(await repository.claimDueDeletions(iso(500), 'w6', iso(900), 10, { ids: [] }), [])
  })

  t.test('marking deletes: messages and threads vanish for readers, once', async (t) => {
    const { repository } = await subject(t)
    await threadWithMessage(repository)
    await repository.insertMessage(message('th', iso(2), 'm2'))
    await repository.addMessageToThread('th', 'm2')
    t.match(await repository.markMessageDeleting('m1', iso(5)), { id: 'm1', deleted_at: iso(5) })
    t.equal(await repository.markMessageDeleting('m1', iso(6)), null, 'once')
    t.equal(await repository.findMessage('m1'), null)
    t.same((await repository.listMessages('th', { limit: 10 })).map((item) => item.id), ['m2'])
    t.same((await repository.unfinishedMessageDeletes(iso(10), 10)).map((item) => item.id), ['m1'])
    t.same(await repository.unfinishedMessageDeletes(iso(5), 10), [], 'not before it was marked')
    await repository.removeMessages([{ id: 'm1', parent_thread: 'th' }])
    t.same((await repository.findThread('th'))!.messages, ['m2'])

    t.match(await repository.markThreadDeleting('th', iso(7)), { id: 'th' })
    t.equal(await repository.markThreadDeleting('th', iso(8)), null)
    t.equal(await repository.findThread('th'), null)
    t.same(await repository.listThreads({ limit: 10 }), [])
    t.equal(await repository.addMessageToThread('th', 'm3'), false, 'no message joins a thread being deleted')
    await repository.markThreadMessagesDeleting('th', iso(9))
    t.equal(await repository.findMessage('m2'), null)
    t.same((await repository.messagesOfThread('th')).map((item) => item.id), ['m2'], 'still there for the delete to finish')
    t.same((await repository.unfinishedThreadDeletes(iso(10), 10)).map((item) => item.id), ['th'])
    await repository.removeMessages([{ id: 'm2', parent_thread: 'th' }])
    await repository.removeThread('th')
    t.same(await repository.unfinishedThreadDeletes(iso(10), 10), [])
  })

  t.test('seed-shaped messages: found by key, id or url; keys set in place', async (t) => {
    const { repository, writeRawMessage } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    const legacyKey = 'dev/renders/legacy.mp3'
    await writeRawMessage({
      id: 'legacy', parent_thread: 'th', user_id: 'u', snapshot: {}, snapshot_metadata: null, timestamp: iso(1), created_at: iso(1),
      renders: [{ id: 'legacy', url: urlOf(legacyKey), format: 'mp3', created_at: iso(1) }]
    })
    const byUrl = await repository.messagesNaming([{ key: legacyKey, id: 'other-id', urls: [urlOf(legacyKey)] }])
    t.same([...byUrl], [[legacyKey, 'legacy']], 'by its url')
    const byId = await repository.messagesNaming([{ key: legacyKey, id: 'legacy', urls: ['https://cdn.example.com/x'] }])
    t.same([...byId], [[legacyKey, 'legacy']], 'by its id, whatever the base')
    t.same((await repository.messagesWithUnkeyedRenders(null, 10)).map((item) => item.id), ['legacy'])
    await repository.setRenderKey('legacy', 'legacy', legacyKey)
    t.equal((await repository.findMessage('legacy'))!.renders[0].key, legacyKey)
    t.same(await repository.messagesWithUnkeyedRenders(null, 10), [])
    const byKey = await repository.messagesNaming([{ key: legacyKey, id: 'x', urls: [] }])
    t.same([...byKey], [[legacyKey, 'legacy']], 'by its key')
    await repository.markMessageDeleting('legacy', iso(2))
    t.same(await repository.messagesNaming([{ key: legacyKey, id: 'legacy', urls: [urlOf(legacyKey)] }]), new Map(), 'a message being deleted names nothing')
  })

  t.test('seed-shaped messages: keys set at once on two renders of one message are both kept', async (t) => {
    const { repository, writeRawMessage } = await subject(t)
    await repository.insertThread(thread(iso(0), 'th'))
    const ids = ['seed-a', 'seed-b', 'seed-c']
    await writeRawMessage({
      id: 'seed', parent_thread: 'th', user_id: 'u', snapshot: {}, snapshot_metadata: null, timestamp: iso(1), created_at: iso(1),
      renders: ids.map((id) => ({ id, url: urlOf(keyOf(id)), format: 'mp3', created_at: iso(1) }))
    })
    await Promise.all(ids.slice(0, 2).map((id) => repository.setRenderKey('seed', id, keyOf(id))))
    t.same((await repository.findMessage('seed'))!.renders.map((item) => item.key), [keyOf('seed-a'), keyOf('seed-b'), undefined])
    await repository.setRenderKey('seed', 'seed-a', 'dev/renders/other.mp3')
    t.equal((await repository.findMessage('seed'))!.renders[0].key, keyOf('seed-a'), 'a key once set stays')
  })

  t.test('thread visibility: set with a pending mark, cleared only for the visibility it was reconciled to', async (t) => {
    const { repository } = await subject(t)
    await repository.insertThread({ ...thread(iso(0), 'secret'), visibility: 'private' })
    await repository.insertThread(thread(iso(1), 'open'))
    t.equal((await repository.findThread('secret'))?.visibility, 'private')
    t.same(await repository.threadsWithPendingAcl(10), [])

    const changed = await repository.setThreadVisibility('open', 'private')
    t.equal(changed?.visibility, 'private')
    t.equal(changed?.renders_acl_pending, true)
    t.same((await repository.threadsWithPendingAcl(10)).map((item) => item.id), ['open'])
    t.equal(await repository.finishThreadAcl('open', 'public'), false, 'reconciled to a visibility it no longer has')
    t.equal(await repository.finishThreadAcl('open', 'private'), true)
    t.equal(await repository.finishThreadAcl('open', 'private'), false, 'nothing pending any more')
    t.equal((await repository.findThread('open'))?.renders_acl_pending, false)
    t.same(await repository.threadsWithPendingAcl(10), [])

    await repository.setThreadVisibility('open', 'public')
    await repository.markThreadDeleting('open', iso(2))
    t.equal(await repository.setThreadVisibility('open', 'private'), null, 'a deleted thread does not change')
    t.same(await repository.threadsWithPendingAcl(10), [], 'nor is it reconciled')
    t.equal(await repository.setThreadVisibility('missing', 'private'), null)
  })

  t.test('render ACLs: conditional on the ACL last applied; records of messages', async (t) => {
    const { repository } = await subject(t)
    const attached = record({ state: 'attached', message_id: 'm1' })
    await repository.insertRender(attached)
    await repository.insertRender(record({ state: 'attaching', message_id: 'm2' }))
    await repository.insertRender(record({ state: 'deleting', message_id: 'm1' }))
    await repository.insertRender(record({ state: 'attached', message_id: 'other' }))

    t.equal(await repository.updateRenderIf(attached.id, { state: ['attached'], acl: 'private' }, { acl: 'public-read' }), null, 'not the ACL expected')
    const set = await repository.updateRenderIf(attached.id, { state: ['attached'], acl: null }, { acl: 'private' })
    t.equal(set?.acl, 'private')
    t.equal(await repository.updateRenderIf(attached.id, { state: ['attached'], acl: null }, { acl: 'public-read' }), null, 'no longer null')
    t.equal((await repository.updateRenderIf(attached.id, { state: ['attached'], acl: 'private' }, { acl: 'public-read' }))?.acl, 'public-read')
    t.equal((await repository.findRender(attached.id))?.acl, 'public-read')

    const found = await repository.rendersOfMessages(['m1', 'm2'], ['attaching', 'attached'])
    t.same(found.map((item) => item.message_id).sort(), ['m1', 'm2'])
    t.same(await repository.rendersOfMessages([], ['attached']), [])
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

  t.test('analyses: one job per render; claims exclude each other until they lapse; settle only by the holder', async (t) => {
    const { repository } = await subject(t)
    const job = (id: string, due: string): AnalysisRecord => ({
      render_id: id, key: keyOf(id), format: 'mp3', state: 'pending', attempts: 0, next_attempt_at: due, claimed_by: null, last_error: null,
      duration: null, sample_rate: null, channels: null, peak_dbfs: null, loudness_lufs: null, created_at: iso(0), updated_at: iso(0)
    })
    t.equal(await repository.insertAnalysis(job('a1', iso(0))), true)
    t.equal(await repository.insertAnalysis(job('a1', iso(5))), false, 'a second job for one render is refused')
    t.equal(await repository.insertAnalysis(job('a2', iso(50))), true)
    t.equal(await repository.insertAnalysis(job('a3', iso(0))), true)

    const first = await repository.claimDueAnalyses(iso(10), 'w1', iso(1000), 1)
    t.same(first.map((item) => [item.render_id, item.claimed_by, item.next_attempt_at]), [['a1', 'w1', iso(1000)]], 'due first, up to the limit')
    const second = await repository.claimDueAnalyses(iso(10), 'w2', iso(1000), 10)
    t.same(second.map((item) => item.render_id), ['a3'], 'a claimed job and a job not yet due are not taken')

    t.equal(await repository.settleAnalysis('a1', 'w2', { state: 'ready' }), false, 'only the holder settles')
    t.equal(await repository.settleAnalysis('a1', 'w1', { state: 'ready', duration: 1.5, peak_dbfs: -3.1, loudness_lufs: -14.2, updated_at: iso(20) }), true)
    t.equal(await repository.settleAnalysis('a1', 'w1', { state: 'failed' }), false, 'settled once')
    const [ready] = await repository.findAnalyses(['a1'])
    t.match(ready, { state: 'ready', duration: 1.5, peak_dbfs: -3.1, loudness_lufs: -14.2, updated_at: iso(20) })

    t.same((await repository.claimDueAnalyses(iso(999), 'w3', iso(2000), 10)).map((item) => item.render_id), ['a2'], 'w2 still holds a3')
    t.same((await repository.claimDueAnalyses(iso(999), 'w3', iso(2000), 10)).map((item) => item.render_id), [], 'w3 holds a2 now')
    t.same((await repository.claimDueAnalyses(iso(2000), 'w4', iso(3000), 10)).map((item) => item.render_id).sort(), ['a2', 'a3'],
      'lapsed claims are taken again')
    t.equal(await repository.settleAnalysis('a3', 'w2', { state: 'ready' }), false, 'a lapsed holder no longer settles')

    await repository.releaseAnalyses('w4', iso(3000))
    const released = await repository.findAnalyses(['a2', 'a3'])
    t.same(released.map((item) => [item.claimed_by, item.next_attempt_at]), [[null, iso(3000)], [null, iso(3000)]], 'released: due now')
    t.same(await repository.claimDueAnalyses(iso(2999), 'w5', iso(4000), 10), [])

    await repository.removeAnalyses(['a1', 'a2'])
    t.same((await repository.findAnalyses(['a1', 'a2', 'a3'])).map((item) => item.render_id), ['a3'])
    t.same(await repository.findAnalyses([]), [])
  })
}
