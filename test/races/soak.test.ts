import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { API_TOKEN, bearer, build, listen, putToStorage } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { assertNoOrphansAfterSweep, assertRenderInvariants } from '../support/render-invariants.js'

const CLIENTS = 4
const ROUNDS = 4
const noGrace = { dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 }

/**
 * Two service instances over one database and one storage, clients uploading, completing,
 * attaching and deleting on both, while both sweep with no grace at all. Bounded: CLIENTS × ROUNDS.
 */
t.test('concurrency soak: two instances, zero grace, sweeps running; nothing in use is lost, nothing unused is left', async (t) => {
  const first = await build(t)
  const firstUrl = await listen(first.app)
  const storageEndpoint = new URL(first.app.storage.publicUrl('')).origin
  const second = await build(t, {
    S3_ENDPOINT_URL: storageEndpoint, S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: true
  }, { reuse: first })
  const secondUrl = await listen(second.app)
  const instances = [{ app: first.app, url: firstUrl }, { app: second.app, url: secondUrl }]
  const mp3 = makeMp3Tone({ seconds: 1 })
  const statuses: number[] = []

  async function call (app: FastifyInstance, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
    const res = await app.inject({ method, url, headers: bearer(), ...(payload === undefined ? {} : { payload: payload as object }) })
    statuses.push(res.statusCode)
    return res
  }

  async function proxiedUpload (baseUrl: string) {
    const form = new FormData()
    form.append('token', API_TOKEN)
    form.append('format', 'mp3')
    form.append('file', new Blob([new Uint8Array(mp3)], { type: 'audio/mpeg' }), 'render.mp3')
    const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form })
    statuses.push(res.status)
    return res.status === 200 ? await res.json() as { id: string, url: string } : null
  }

  async function client (index: number) {
    for (let round = 0; round < ROUNDS; round++) {
      const at = instances[(index + round) % 2]
      const other = instances[(index + round + 1) % 2]
      const thread = (await call(at.app, 'POST', '/api/v1/threads', { title: `c${index}r${round}` })).json()
      const message = (await call(other.app, 'POST', '/api/v1/messages', { parent_thread: thread.id, user_id: 'u1', snapshot: {} })).json()
      const proxied = await proxiedUpload(at.url)
      if (proxied !== null) await call(other.app, 'POST', `/api/v1/messages/${message.id}/renders`, { render: proxied })
      const ticket = await call(at.app, 'POST', '/api/v1/uploads', { format: 'mp3', size_bytes: mp3.length, message_id: message.id })
      if (ticket.statusCode === 201) {
        const { upload, render_id: renderId } = ticket.json()
        statuses.push((await putToStorage(upload, mp3)).status)
        await call(other.app, 'POST', `/api/v1/uploads/${renderId}/complete`, {})
      }
      if (round % 3 === 1) await call(at.app, 'DELETE', `/api/v1/messages/${message.id}`)
      if (round % 3 === 2) await call(other.app, 'DELETE', `/api/v1/threads/${thread.id}`)
    }
  }

  let clientsDone = false
  async function sweeper (app: FastifyInstance) {
    let sweeps = 0
    while (!clientsDone) {
      const summary = await app.sweep(noGrace)
      if (summary.status === 'completed') sweeps++
      await app.deletionQueue.runDue()
      // A sweep that finds the lease held finishes without I/O: let the other requests run.
      await new Promise((resolve) => setImmediate(resolve))
    }
    return sweeps
  }

  const sweeping = Promise.all(instances.map(({ app }) => sweeper(app)))
  await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)))
  clientsDone = true
  const sweeps = await sweeping
  t.ok(sweeps[0] + sweeps[1] > 0, `${sweeps.join(' + ')} sweeps ran during the soak`)

  const failures = statuses.filter((status) => status >= 500)
  t.same(failures, [], `no 5xx among ${statuses.length} answers`)
  await assertRenderInvariants(t, first.app)
  await assertNoOrphansAfterSweep(t, first.app)
  await assertRenderInvariants(t, second.app)
})
