import t, { type Test } from 'tap'
import { createRenderDomain } from '../../services/render-domain.js'
import type { RenderRecord } from '../../services/repository/types.js'
import type { FastifyInstance } from 'fastify'
import { backfillLegacyRenders } from '../../services/lifecycle/legacy-renders.js'
import { bearer, build, completeUpload, createMessage, createThread, listen, listStoredKeys, putToStorage, requestUpload, uploadAudio, writeLegacyMessage } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { pausableRepository } from '../support/pausable-repository.js'
import { attach as attachRender, bareStatus, createThread as createPrivacyThread, setVisibility } from '../support/private-threads.js'
import { assertNoOrphansAfterSweep, assertRenderInvariants, recordsIn } from '../support/render-invariants.js'
import { createTestClock } from '../support/test-clock.js'
import { INTERRUPTED_AFTER_MS } from '../../services/renders/render-record.js'

/**
 * Each race of the render lifecycle, forced: one request is held just before the repository call
 * named, another runs to its end, then the first goes on. Runs on SQLite and, with
 * TEST_BACKEND=mongodb, on the MongoDB implementation.
 */
async function fixture (t: Test) {
  const clock = createTestClock()
  const { app } = await build(t, { UPLOAD_URL_TTL_SECONDS: 30 }, { clock: clock.now })
  const baseUrl = await listen(app)
  const { repository, pauseBefore } = pausableRepository(app.repository)
  const domain = createRenderDomain({ repository, storage: app.storage, config: app.config, log: app.log, clock: clock.now })
  const sweepNow = () => {
    clock.advance(1000)
    return domain.sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 })
  }
  const readyRender = async () => (await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))).body as { id: string, url: string }
  const settle = (promise: Promise<unknown>) => promise.then(() => 'ok', (err: { code?: string }) => err.code ?? String(err))
  return { app, clock, domain, repository, pauseBefore, sweepNow, readyRender, settle }
}

const renderKey = (id: string) => `dev/renders/${id}.mp3`
const claimFor = (state: RenderRecord['state']) => (_id: string, _expected: unknown, set: Partial<RenderRecord>) => set.state === state

t.test('A: attach vs the sweeper expiring the unattached render', async (t) => {
  t.test('the sweeper wins: the attach is refused and the message never names a deleted object', async (t) => {
    const { app, domain, pauseBefore, sweepNow, readyRender, settle } = await fixture(t)
    const render = await readyRender()
    const message = await createMessage(app, (await createThread(app)).id)
    const claim = pauseBefore('updateRenderIf', claimFor('attaching'))
    const attach = settle(domain.renderAttacher.attach(message.id, render))
    await claim.reached
    t.equal((await sweepNow()).unattached_renders, 1)
    claim.release()
    t.equal(await attach, 'RENDER_DELETED')
    t.same((await app.repository.findMessage(message.id))!.renders, [])
    t.same(await listStoredKeys(app), [])
    await assertRenderInvariants(t, app)
  })

  t.test('the attach wins: the sweeper keeps the object', async (t) => {
    const { app, domain, pauseBefore, sweepNow, readyRender, settle } = await fixture(t)
    const render = await readyRender()
    const message = await createMessage(app, (await createThread(app)).id)
    const expire = pauseBefore('updateRenderIf', claimFor('deleting'))
    const sweep = sweepNow()
    await expire.reached
    t.equal(await settle(domain.renderAttacher.attach(message.id, render)), 'ok')
    expire.release()
    t.equal((await sweep).unattached_renders, 0, 'its conditional write found the render attached')
    t.same(await listStoredKeys(app), [renderKey(render.id)])
    await assertRenderInvariants(t, app)
    await assertNoOrphansAfterSweep(t, app, domain.sweep)
  })
})

t.test('B: create-message vs delete-thread', async (t) => {
  t.test('the thread is deleted while the message is being written: no message is left in it', async (t) => {
    const { app, domain, pauseBefore, readyRender, settle } = await fixture(t)
    const thread = await createThread(app)
    const render = await readyRender()
    const join = pauseBefore('addMessageToThread')
    const created = settle(domain.renderAttacher.createMessage({
      id: 'm-late', parent_thread: thread.id, user_id: 'u1', snapshot: {}, snapshot_metadata: null, renders: [], timestamp: new Date().toISOString(), created_at: new Date().toISOString()
    }, [render]))
    await join.reached
    t.ok(await domain.messageDeletion.deleteThread(thread.id, () => {}))
    join.release()
    t.equal(await created, 'NOT_FOUND')
    t.same(await app.repository.messagesOfThread(thread.id), [], 'no message in the deleted thread')
    await assertRenderInvariants(t, app)
    await assertNoOrphansAfterSweep(t, app, domain.sweep)
  })

  t.test('a message posted while the thread delete is under way is refused', async (t) => {
    const { app, domain, pauseBefore, readyRender, settle } = await fixture(t)
    const thread = await createThread(app)
    await createMessage(app, thread.id)
    const render = await readyRender()
    const scan = pauseBefore('messagesOfThread')
    const deleting = domain.messageDeletion.deleteThread(thread.id, () => {})
    await scan.reached
    const created = await settle(domain.renderAttacher.createMessage({
      id: 'm-during', parent_thread: thread.id, user_id: 'u1', snapshot: {}, snapshot_metadata: null, renders: [], timestamp: new Date().toISOString(), created_at: new Date().toISOString()
    }, [render]))
    t.equal(created, 'NOT_FOUND')
    scan.release()
    await deleting
    t.same(await app.repository.messagesOfThread(thread.id), [])
    await assertRenderInvariants(t, app)
    await assertNoOrphansAfterSweep(t, app, domain.sweep)
  })
})

t.test('C: delete-message vs attach', async (t) => {
  t.test('the message is deleted between the claim and the write: the claim is given back, the object goes', async (t) => {
    const { app, domain, pauseBefore, readyRender, settle } = await fixture(t)
    const render = await readyRender()
    const message = await createMessage(app, (await createThread(app)).id)
    const write = pauseBefore('pushRender')
    const attach = settle(domain.renderAttacher.attach(message.id, render))
    await write.reached
    t.ok(await domain.messageDeletion.deleteMessage(message.id, () => {}))
    write.release()
    t.equal(await attach, 'NOT_FOUND')
    const record = await app.repository.findRender(render.id)
    t.not(record?.message_id, message.id, 'no record points at the deleted message')
    await assertRenderInvariants(t, app)
    await assertNoOrphansAfterSweep(t, app, domain.sweep)
    t.same(await listStoredKeys(app), [], 'unattached, it was swept')
  })

  t.test('an attach to a message whose delete has begun is refused', async (t) => {
    const { app, domain, pauseBefore, readyRender, settle } = await fixture(t)
    const render = await readyRender()
    const message = await createMessage(app, (await createThread(app)).id)
    const claimRecords = pauseBefore('updateRendersOfMessages')
    const deleting = domain.messageDeletion.deleteMessage(message.id, () => {})
    await claimRecords.reached
    t.equal(await settle(domain.renderAttacher.attach(message.id, render)), 'NOT_FOUND')
    claimRecords.release()
    await deleting
    await assertRenderInvariants(t, app)
    t.match(await app.repository.findRender(render.id), { state: 'ready', message_id: null }, 'still free for another message')
  })
})

t.test('D: one render, two messages at once: it ends up in one', async (t) => {
  const { app, domain, pauseBefore, readyRender, settle } = await fixture(t)
  const render = await readyRender()
  const thread = await createThread(app)
  const [first, second] = [await createMessage(app, thread.id), await createMessage(app, thread.id)]
  const claim = pauseBefore('updateRenderIf', claimFor('attaching'))
  const attachFirst = settle(domain.renderAttacher.attach(first.id, render))
  await claim.reached
  t.equal(await settle(domain.renderAttacher.attach(second.id, render)), 'ok')
  claim.release()
  t.equal(await attachFirst, 'CONFLICT')
  t.same((await app.repository.findMessage(first.id))!.renders, [])
  t.equal((await app.repository.findMessage(second.id))!.renders.length, 1)
  await assertRenderInvariants(t, app)
})

t.test('E: complete vs the expiry of its pending upload', async (t) => {
  /** A PUT upload whose URL has expired by the services' clock. */
  async function putUpload (t: Test, { app, clock }: Awaited<ReturnType<typeof fixture>>) {
    const mp3 = makeMp3Tone({ seconds: 1 })
    const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
    t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
    clock.advance(31_000)
    return ticket as { render_id: string, key: string }
  }

  t.test('complete wins: the render is good and attaches', async (t) => {
    const context = await fixture(t)
    const { app, domain, pauseBefore, settle } = context
    const ticket = await putUpload(t, context)
    const expire = pauseBefore('updateRenderIf', claimFor('deleting'))
    // Only the pending upload is past its grace; a completed render has a day to be attached.
    const sweep = domain.sweep({ dryRun: false, orphanGraceMs: 86_400_000, pendingGraceMs: 0 })
    await expire.reached
    t.equal(await settle(domain.directUploads.complete(ticket.render_id, undefined)), 'ok')
    expire.release()
    t.equal((await sweep).expired_uploads, 0)
    const message = await createMessage(app, (await createThread(app)).id)
    const attach = await app.inject({
      method: 'POST', url: `/api/v1/messages/${message.id}/renders`, headers: bearer(), payload: { render: { id: ticket.render_id, url: app.storage.publicUrl(ticket.key) } }
    })
    t.equal(attach.statusCode, 200, `never RENDER_DELETED for a completed render: ${attach.body}`)
    await assertRenderInvariants(t, app)
    await assertNoOrphansAfterSweep(t, app, domain.sweep)
    t.same(await listStoredKeys(app), [ticket.key])
  })

  t.test('the expiry wins: complete is refused and nothing is left', async (t) => {
    const context = await fixture(t)
    const { app, domain, pauseBefore, sweepNow, settle } = context
    const ticket = await putUpload(t, context)
    const verify = pauseBefore('updateRenderIf', claimFor('verifying'))
    const complete = settle(domain.directUploads.complete(ticket.render_id, undefined))
    await verify.reached
    t.equal((await sweepNow()).expired_uploads, 1)
    verify.release()
    t.equal(await complete, 'RENDER_DELETED')
    t.same(await listStoredKeys(app), [])
    t.equal((await completeUpload(app, ticket.render_id)).statusCode, 404)
  })
})

t.test('F: two instances take over one interrupted verification: one verifies, the other is refused', async (t) => {
  const { app, clock, domain, repository, pauseBefore, settle } = await fixture(t)
  const otherInstance = createRenderDomain({ repository, storage: app.storage, config: app.config, log: app.log, clock: clock.now })
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  // What a process that stopped during complete leaves behind, old enough to be taken over.
  await app.repository.updateRenderIf(ticket.render_id, { state: ['pending'] }, { state: 'verifying', updated_at: clock.now().toISOString() })
  clock.advance(INTERRUPTED_AFTER_MS)

  // One instance is held just before its takeover write; the other takes over and is held before promoting.
  const takeover = pauseBefore('updateRenderIf', (_id: string, expected: { updated_at?: string }) => expected.updated_at !== undefined)
  const held = settle(domain.directUploads.complete(ticket.render_id, undefined))
  await takeover.reached
  const promote = pauseBefore('updateRenderIf', claimFor('ready'))
  const other = settle(otherInstance.directUploads.complete(ticket.render_id, undefined))
  await promote.reached
  takeover.release()
  t.equal(await held, 'CONFLICT', 'the claim changed since it was read: the held takeover writes nothing')
  promote.release()
  t.equal(await other, 'ok', 'the instance that took the claim over verifies the upload')
  t.equal((await app.repository.findRender(ticket.render_id))?.state, 'ready')
  t.equal((await completeUpload(app, ticket.render_id)).statusCode, 200, 'a retry sees the verified render')
  await assertRenderInvariants(t, app)
})

t.test('G: attach adopting a stored object with no record vs the sweeper deleting it as an orphan', async (t) => {
  t.test('a second attach of the same render meanwhile is refused too', async (t) => {
    const { app, domain, pauseBefore, sweepNow, settle } = await fixture(t)
    const id = '44444444-4444-4444-8444-444444444444'
    const key = renderKey(id)
    await app.storage.putObject(key, makeMp3Tone({ seconds: 1 }), { contentType: 'audio/mpeg' })
    const thread = await createThread(app)
    const [first, second] = [await createMessage(app, thread.id), await createMessage(app, thread.id)]
    const insert = pauseBefore('insertRender', (record: RenderRecord) => record.id === id)
    const adopting = settle(domain.renderAttacher.attach(first.id, { id, url: app.storage.publicUrl(key) } as never))
    await insert.reached
    t.equal((await sweepNow()).deleted_objects, 1, 'the sweep took the object for an orphan')
    const giveUp = pauseBefore('updateRenderIf', claimFor('deleting'))
    insert.release()
    await giveUp.reached
    t.equal(await settle(domain.renderAttacher.attach(second.id, { id, url: app.storage.publicUrl(key) } as never)), 'CONFLICT', 'the record being adopted is not claimed')
    giveUp.release()
    t.equal(await adopting, 'UNPROCESSABLE_ENTITY')
    for (const message of [first, second]) t.same((await app.repository.findMessage(message.id))!.renders, [])
    await assertRenderInvariants(t, app)
  })

  const { app, domain, pauseBefore, sweepNow, settle } = await fixture(t)
  const id = '33333333-3333-4333-8333-333333333333'
  const key = renderKey(id)
  await app.storage.putObject(key, makeMp3Tone({ seconds: 1 }), { contentType: 'audio/mpeg' })
  const message = await createMessage(app, (await createThread(app)).id)
  const adopt = pauseBefore('insertRender', (record: RenderRecord) => record.id === id)
  const attach = settle(domain.renderAttacher.attach(message.id, { id, url: app.storage.publicUrl(key) } as never))
  await adopt.reached
  t.equal((await sweepNow()).deleted_objects, 1, 'the sweep took the object for an orphan')
  adopt.release()
  t.equal(await attach, 'UNPROCESSABLE_ENTITY', 'the attach finds the object gone')
  t.same((await app.repository.findMessage(message.id))!.renders, [], 'the message names nothing')
  await sweepNow()
  t.same(await recordsIn(app, ['ready', 'attaching', 'attached', 'deleting']), [], 'and the record it wrote is gone')
  await assertRenderInvariants(t, app)
})

t.test('H: backfilling a seed-era render vs deleting its message', async (t) => {
  async function seedMessage (app: FastifyInstance, id: string) {
    const thread = await createThread(app)
    const key = renderKey(id)
    await app.storage.putObject(key, makeMp3Tone({ seconds: 1 }), { contentType: 'audio/mpeg' })
    const at = new Date().toISOString()
    await writeLegacyMessage(app, {
      id: `seed-${id}`, parent_thread: thread.id, user_id: 'u1', snapshot: {}, snapshot_metadata: null, timestamp: at, created_at: at,
      renders: [{ id, url: app.storage.publicUrl(key), format: 'mp3', created_at: at }]
    })
    return `seed-${id}`
  }

  for (const when of ['after the delete marked its records', 'after the whole delete'] as const) {
    t.test(`the backfill's record is written ${when}: the object still goes`, async (t) => {
      const { app, domain, repository, pauseBefore, sweepNow } = await fixture(t)
      const id = '11111111-1111-4111-8111-111111111111'
      const messageId = await seedMessage(app, id)
      const insert = pauseBefore('insertRender', (record: RenderRecord) => record.state === 'attached')
      const backfill = backfillLegacyRenders({ repository, renderKeys: app.renderKeys, log: app.log })
      await insert.reached
      if (when === 'after the whole delete') {
        await domain.messageDeletion.deleteMessage(messageId, () => {})
        insert.release()
        await backfill
      } else {
        const recorded = pauseBefore('recordedKeys')
        const deleting = domain.messageDeletion.deleteMessage(messageId, () => {})
        await recorded.reached
        insert.release()
        await backfill
        recorded.release()
        await deleting
      }
      await sweepNow()
      t.same(await listStoredKeys(app), [], 'no object kept for the deleted message')
      t.same(await recordsIn(app, ['attaching', 'attached', 'deleting']), [], 'no record left')
      await assertRenderInvariants(t, app)
    })
  }
})

t.test('I: render ACLs vs visibility changes', async (t) => {
  t.test('the thread turns private while a message with a render is being written: the object is private', async (t) => {
    const { app, domain, pauseBefore, readyRender, settle } = await fixture(t)
    const thread = await createPrivacyThread(app, 'public')
    const render = await readyRender()
    const write = pauseBefore('insertMessage')
    const at = new Date().toISOString()
    const created = settle(domain.renderAttacher.createMessage({
      id: 'm-race', parent_thread: thread.id, user_id: 'u1', snapshot: {}, snapshot_metadata: null, renders: [], timestamp: at, created_at: at
    }, [render as never]))
    await write.reached
    t.equal((await setVisibility(app, thread.id, 'private')).statusCode, 200)
    write.release()
    t.equal(await created, 'ok')
    t.equal(await bareStatus(app, render.id), 403, 'no unsigned read')
    t.equal((await app.repository.findRender(render.id))!.acl, 'private')
  })

  t.test('complete for a private thread\'s message: its copy is never readable unsigned, not even before the record is ready', async (t) => {
    const { app, domain, pauseBefore, settle } = await fixture(t)
    const thread = await createPrivacyThread(app, 'private')
    const message = await createMessage(app, thread.id)
    const mp3 = makeMp3Tone({ seconds: 1 })
    const ticket = (await requestUpload(app, { size_bytes: mp3.length, message_id: message.id })).json()
    t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
    const promote = pauseBefore('updateRenderIf', claimFor('ready'))
    const complete = settle(domain.directUploads.complete(ticket.render_id, undefined))
    await promote.reached
    t.equal(await bareStatus(app, ticket.render_id), 403, 'copied, not yet ready: no unsigned read')
    promote.release()
    t.equal(await complete, 'ok')
    t.equal(await bareStatus(app, ticket.render_id), 403, 'attached: no unsigned read')
  })

  t.test('two visibility changes overlap: the object ends with the thread\'s last visibility', async (t) => {
    const { app, domain, pauseBefore, readyRender } = await fixture(t)
    const thread = await createPrivacyThread(app, 'private')
    const message = await createMessage(app, thread.id)
    const render = await readyRender()
    await attachRender(app, message.id, render)
    await app.repository.setThreadVisibility(thread.id, 'public')
    const recordPublic = pauseBefore('updateRenderIf', (_id: string, _expected: unknown, set: Partial<RenderRecord>) => set.acl === 'public-read')
    const toPublic = domain.renderAcl.reconcileThread(thread.id)
    await recordPublic.reached
    t.equal((await setVisibility(app, thread.id, 'private')).statusCode, 200, 'the second change runs to its end meanwhile')
    recordPublic.release()
    await toPublic
    t.equal(await bareStatus(app, render.id), 403, 'no unsigned read')
    t.equal((await app.repository.findRender(render.id))!.acl, 'private')
  })
})

t.test('J: a verified render\'s analysis job vs the sweeper deleting the render: no job is left', async (t) => {
  const { app, clock, domain, pauseBefore, settle } = await fixture(t)
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  const job = pauseBefore('insertAnalysis')
  const complete = settle(domain.directUploads.complete(ticket.render_id, undefined))
  await job.reached
  clock.advance(1000)
  t.equal((await domain.sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 3600_000 })).unattached_renders, 1, 'the sweeper deleted the unattached render')
  job.release()
  await complete
  t.equal(await app.repository.findRender(ticket.render_id), null)
  t.same(await app.repository.findAnalyses([ticket.render_id]), [], 'no analysis job for the deleted render')
})

t.test('K: a stalled complete gives its claim back after another instance took it over: the other one still verifies', async (t) => {
  const { app, clock, domain, repository, pauseBefore, settle } = await fixture(t)
  const other = createRenderDomain({ repository, storage: app.storage, config: app.config, log: app.log, clock: clock.now })
  const mp3 = makeMp3Tone({ seconds: 1 })
  const ticket = (await requestUpload(app, { size_bytes: mp3.length })).json()
  const giveBack = pauseBefore('updateRenderIf', claimFor('pending'))
  const stalled = domain.directUploads.complete(ticket.render_id, undefined).then(() => 'ok', (err: Error & { code?: string }) => `${err.code}: ${err.message}`)
  await giveBack.reached
  t.equal((await putToStorage(ticket.upload, mp3)).status, 200)
  clock.advance(INTERRUPTED_AFTER_MS)
  const promote = pauseBefore('updateRenderIf', claimFor('ready'))
  const takeover = settle(other.directUploads.complete(ticket.render_id, undefined))
  await promote.reached
  giveBack.release()
  t.match(await stalled, /^CONFLICT: .*another request/, 'the stalled request answers with the new holder\'s state, not its own stale view')
  promote.release()
  t.equal(await takeover, 'ok', 'the takeover verifies')
  t.equal((await app.repository.findRender(ticket.render_id))!.state, 'ready')
})
