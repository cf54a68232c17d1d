import t from 'tap'
import { createRenderDomain } from '../../services/render-domain.js'
import type { RenderExpectation } from '../../services/repository/types.js'
import { build, createMessage, listen, uploadAudio } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { pausableRepository } from '../support/pausable-repository.js'
import { attach, bareStatus, createThread, isSigned, play, proxiedRender, renderUrls, setVisibility, SWEEP } from '../support/private-threads.js'

t.test('a visibility change that stops midway is finished by the sweep', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const renders = [await proxiedRender(app, baseUrl, message.id), await proxiedRender(app, baseUrl, message.id, 2)]

  // Storage takes the first render's ACL change, then fails (an outage, or the process dying midway).
  // (Its waveform files, which these renders do not have yet, are asked for too.)
  const setObjectAcl = app.storage.setObjectAcl
  let calls = 0
  app.storage.setObjectAcl = async (key, acl) => {
    if (!key.endsWith('.peaks.json') && ++calls > 1) throw new Error('storage unavailable')
    return setObjectAcl.call(app.storage, key, acl)
  }
  t.teardown(() => { app.storage.setObjectAcl = setObjectAcl })

  const changed = await setVisibility(app, thread.id, 'private')
  t.equal(changed.statusCode, 200, 'the visibility is recorded; what storage did not take is left to the sweeper')
  const statuses = await Promise.all(renders.map((render) => bareStatus(app, render.id)))
  t.same([...statuses].sort(), [200, 403], 'one object is still public')
  t.same((await app.repository.threadsWithPendingAcl(10)).map((item) => item.id), [thread.id], 'the thread stays pending')
  const urls = await renderUrls(app, message.id)
  for (const render of renders) {
    const url = urls.get(render.id)!
    t.ok(isSigned(url), 'while pending, the renders are served signed')
    t.ok((await play(url)).bytes.equals(render.file))
  }

  const failed = await app.sweep(SWEEP)
  t.equal(failed.acl_reconciled, 0, 'storage still fails: nothing changed')
  t.same((await app.repository.threadsWithPendingAcl(10)).map((item) => item.id), [thread.id], 'and the thread stays pending')

  app.storage.setObjectAcl = setObjectAcl
  const summary = await app.sweep(SWEEP)
  t.equal(summary.acl_reconciled, 1)
  t.same(await Promise.all(renders.map((render) => bareStatus(app, render.id))), [403, 403])
  t.same(await app.repository.threadsWithPendingAcl(10), [], 'reconciled')
  t.equal((await app.sweep(SWEEP)).acl_reconciled, 0, 'a second sweep has nothing to do')
})

t.test('a visibility change whose process dies midway is finished by the sweep', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const renders = [await proxiedRender(app, baseUrl, message.id), await proxiedRender(app, baseUrl, message.id, 2)]

  // The change as PATCH runs it, on a process that dies after storage took the first ACL and before its record said so.
  const { repository, pauseBefore } = pausableRepository(app.repository)
  const dying = createRenderDomain({ repository, storage: app.storage, config: app.config, log: app.log, clock: () => new Date() })
  t.ok(await repository.setThreadVisibility(thread.id, 'private'))
  const death = pauseBefore('updateRenderIf', (_id: string, expected: RenderExpectation) => expected.acl !== undefined)
  void dying.renderAcl.reconcileThread(thread.id)
  await death.reached // never released: the process is gone

  const statuses = await Promise.all(renders.map((render) => bareStatus(app, render.id)))
  t.same([...statuses].sort(), [200, 403], 'one object changed, the other not')
  const summary = await app.sweep(SWEEP)
  t.equal(summary.acl_reconciled, 2, 'both records disagreed with the thread: both objects were set')
  t.same(await Promise.all(renders.map((render) => bareStatus(app, render.id))), [403, 403])
  t.same(await app.repository.threadsWithPendingAcl(10), [])
  for (const render of renders) t.equal((await app.repository.findRender(render.id))?.acl, 'private')
})

t.test('a render attached while its thread turns private ends up private', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app)
  const message = await createMessage(app, thread.id)
  const { body: render } = await uploadAudio(baseUrl, makeMp3Tone({ seconds: 1 }))

  // The attach read the thread (public) and is about to write the message when the thread turns private.
  const pushRender = app.repository.pushRender
  let changed: Promise<unknown> | undefined
  app.repository.pushRender = async (messageId, doc) => {
    changed ??= setVisibility(app, thread.id, 'private')
    await changed
    return pushRender.call(app.repository, messageId, doc)
  }
  t.teardown(() => { app.repository.pushRender = pushRender })
  await attach(app, message.id, render)
  app.repository.pushRender = pushRender
  t.equal(await bareStatus(app, render.id), 403)
  t.ok(isSigned((await renderUrls(app, message.id)).get(render.id)!))
})

t.test('a change that stopped after its storage call, before its record write, is undone by the next one', async (t) => {
  const { app } = await build(t)
  const baseUrl = await listen(app)
  const thread = await createThread(app, 'private')
  const message = await createMessage(app, thread.id)
  const render = await proxiedRender(app, baseUrl, message.id)
  t.equal(await bareStatus(app, render.id), 403)
  // A change to public that died between making the object public and recording it: the record
  // still says private, and the thread is still private.
  t.ok(await app.storage.setObjectAcl(`dev/renders/${render.id}.mp3`, 'public-read'))
  t.equal((await app.repository.findRender(render.id))!.acl, 'private')

  t.equal((await setVisibility(app, thread.id, 'private')).statusCode, 200, 'the thread is set private again')
  t.equal(await bareStatus(app, render.id), 403, 'the object is private, whatever its record said')
})
