import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { LIVE_STATES, type RenderRecord } from '../../services/repository/types.js'
import { listStoredKeys } from '../helper.js'

const EVERYTHING = '9999-12-31T00:00:00.000Z'

async function liveMessages (app: FastifyInstance) {
  const messages = []
  for (const thread of await app.repository.listThreads({ limit: 10_000 })) {
    messages.push(...await app.repository.listMessages(thread.id, { limit: 10_000 }))
  }
  return messages
}

export async function recordsIn (app: FastifyInstance, states: RenderRecord['state'][]) {
  return app.repository.findStaleRenders({ states, field: 'created_at', before: EVERYTHING }, 100_000)
}

/**
 * What the render lifecycle promises, checked on the stored state: a render is in at most one
 * message; an attached render's object exists; no live record points at a message that is gone.
 */
export async function assertRenderInvariants (t: Test, app: FastifyInstance) {
  const stored = new Set(await listStoredKeys(app))
  const messageOf = new Map<string, string>()
  for (const message of await liveMessages(app)) {
    for (const render of message.renders) {
      const other = messageOf.get(render.id)
      t.equal(other, undefined, `render ${render.id} is in one message only`)
      messageOf.set(render.id, message.id)
      const key = app.renderKeys.keyOf(render)
      if (key !== null) t.ok(stored.has(key), `the object of attached render ${render.id} exists`)
    }
  }
  for (const record of await recordsIn(app, ['attaching', 'attached'])) {
    t.ok(await app.repository.findMessage(record.message_id!), `record ${record.id} points at a live message`)
  }
}

/** After a final sweep with no grace, every stored object belongs to a live render. */
export async function assertNoOrphansAfterSweep (t: Test, app: FastifyInstance, sweep = app.sweep) {
  const summary = await sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 })
  t.equal(summary.status, 'completed')
  const live = await recordsIn(app, LIVE_STATES)
  const liveKeys = new Set(live.flatMap((record) => [record.key, ...(record.state === 'pending' || record.state === 'verifying' ? [record.upload_key] : [])]))
  for (const key of await listStoredKeys(app)) t.ok(liveKeys.has(key), `${key} belongs to a live render`)
  t.equal(await app.repository.countDeletions(), 0, 'nothing left for the deletion worker')
}
