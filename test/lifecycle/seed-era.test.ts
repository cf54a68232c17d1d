import fs from 'node:fs'
import t from 'tap'
import { bearer, build, createThread, listStoredKeys, writeLegacyMessage } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { createTestClock } from '../support/test-clock.js'

/**
 * Renders written by the original system carry only a url. They must survive a change of
 * S3_PUBLIC_BASE_URL (and of the endpoint), and still go with their messages.
 */
t.test('seed-era renders: a new public base never costs an object, and a message delete still deletes it', async (t) => {
  const seedEra = await build(t)
  t.teardown(() => fs.rmSync(seedEra.dataDir, { recursive: true, force: true }))
  const oldBase = seedEra.app.storage.publicUrl('')
  const thread = await createThread(seedEra.app)
  const renders = ['0a000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-000000000002', '0a000000-0000-4000-8000-000000000003']
    .map((id) => ({ id, key: `dev/renders/${id}.mp3` }))
  for (const { key } of renders) await seedEra.app.storage.putObject(key, makeMp3Tone({ seconds: 1 }), { contentType: 'audio/mpeg' })
  const urls = [
    `${oldBase}${renders[0].key}`, // the old base, listed in LEGACY_PUBLIC_BASES
    `${oldBase}${renders[1].key}`,
    `https://forgotten-cdn.example.net/${renders[2].key}` // a base nobody remembers
  ]
  for (const [i, render] of renders.entries()) {
    const createdAt = new Date(Date.UTC(2025, 9, 5, 18, 30, i)).toISOString()
    await writeLegacyMessage(seedEra.app, {
      id: `seed-message-${i}`, parent_thread: thread.id, user_id: 'u1', snapshot: { bpm: 120 }, snapshot_metadata: null, timestamp: createdAt, created_at: createdAt,
      renders: [{ id: render.id, url: urls[i], format: 'mp3', bitrate: 128, duration: 1.0, created_at: createdAt }]
    })
  }
  await seedEra.app.close()

  const clock = createTestClock()
  const { app } = await build(t, { S3_PUBLIC_BASE_URL: 'https://renders.cdn.example.com', LEGACY_PUBLIC_BASES: oldBase }, { clock: clock.now, reuse: seedEra })
  t.not(app.storage.publicUrl(''), oldBase, 'the service now has another public base')
  clock.advance(1000)
  const summary = await app.sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 })
  t.match(summary, { orphan_objects: 0, unattached_renders: 0, deleted_objects: 0 })
  t.same((await listStoredKeys(app)).sort(), renders.map(({ key }) => key).sort(), 'every seed object is still there')
  for (const [i, render] of renders.entries()) {
    const message = (await app.inject({ url: `/api/v1/messages/seed-message-${i}`, headers: bearer() })).json()
    t.equal(message.renders[0].url, urls[i], 'served with the url it was stored with')
    t.match(await app.repository.findRender(render.id), { state: 'attached', message_id: `seed-message-${i}` }, 'recorded from the message')
  }

  for (const [i, render] of renders.entries()) {
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/messages/seed-message-${i}`, headers: bearer() })
    t.same(res.json(), { status: 'deleted', id: `seed-message-${i}`, renders_deleted: 1 })
    t.notOk((await listStoredKeys(app)).includes(render.key), `deleting seed-message-${i} deleted its object`)
  }
  t.same(await listStoredKeys(app), [])
})
