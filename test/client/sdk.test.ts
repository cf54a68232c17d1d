import t from 'tap'
import { AbortError, ApiError, createClient } from '../../client/src/index.js'
import { countRenderRecords, listStoredKeys, userToken } from '../helper.js'
import { makeMp3Tone } from '../support/audio.js'
import { createTestClock } from '../support/test-clock.js'
import { serviceWithClient } from './sdk-setup.js'
import { startStorageProxy, type ProxyAnswer } from './storage-proxy.js'

const mp3 = makeMp3Tone({ seconds: 2 })
/** Several of the SDK's 64 KiB chunks, so progress has steps and an abort lands mid-body. */
const largerMp3 = makeMp3Tone({ seconds: 12 })

t.test('threads and messages: create, list newest first with a cursor, delete', async (t) => {
  const { client, thread } = await serviceWithClient(t)
  const created = []
  for (const bpm of [90, 100, 110]) created.push(await client.messages.create({ parent_thread: thread.id, user_id: 'u1', snapshot: { bpm } }))
  const first = await client.messages.list(thread.id, { limit: 2 })
  t.same(first.messages.map((m) => m.snapshot.bpm), [110, 100], 'newest first')
  t.type(first.next_cursor, 'string')
  const older = await client.messages.list(thread.id, { limit: 2, cursor: first.next_cursor! })
  t.same(older.messages.map((m) => m.snapshot.bpm), [90])
  t.equal(older.next_cursor, null)
  t.match(await client.messages.delete(created[0].id), { status: 'deleted', id: created[0].id })
  const error = await client.messages.get(created[0].id).catch((err: unknown) => err)
  t.ok(error instanceof ApiError && error.status === 404, 'a deleted message is gone, as an ApiError 404')
  t.match((await client.threads.list()).threads, [{ id: thread.id }])
})

t.test('me(): the user of a user token, asked for on every request', async (t) => {
  const { client, baseUrl } = await serviceWithClient(t)
  t.same(await client.me(), { user_id: null, kind: 'service' })
  let token = await userToken('alice')
  const asUser = createClient({ baseUrl, getToken: async () => token })
  t.same(await asUser.me(), { user_id: 'alice', kind: 'user' })
  token = await userToken('bob')
  t.same(await asUser.me(), { user_id: 'bob', kind: 'user' }, 'a new token is used at once')
  token = 'not-a-token'
  const error = await asUser.me().catch((err: unknown) => err)
  t.ok(error instanceof ApiError && error.status === 401 && error.code === 'UNAUTHORIZED', `401: ${String(error)}`)
})

t.test('members: the creator adds and removes them; only members see the thread', async (t) => {
  const { baseUrl } = await serviceWithClient(t)
  const as = async (user: string) => { const token = await userToken(user); return createClient({ baseUrl, getToken: () => token }) }
  const [alice, bob] = [await as('alice'), await as('bob')]
  const thread = await alice.threads.create({ title: 'duo' })
  const hidden = await bob.threads.get(thread.id).catch((err: unknown) => err)
  t.ok(hidden instanceof ApiError && hidden.status === 404, 'not a member yet: 404')
  t.same((await alice.members.add(thread.id, 'bob')).users, ['alice', 'bob'])
  t.equal((await bob.threads.get(thread.id)).title, 'duo', 'a member sees it')
  const refused = await bob.members.add(thread.id, 'carol').catch((err: unknown) => err)
  t.ok(refused instanceof ApiError && refused.status === 403, `only the creator manages members: ${String(refused)}`)
  t.same((await alice.members.remove(thread.id, 'bob')).users, ['alice'])
})

t.test('sendMessageWithRender: the message first, then uploading, progress to 100 % and ready with the render attached', async (t) => {
  const { client, thread } = await serviceWithClient(t)
  const { message, upload } = await client.sendMessageWithRender({ parent_thread: thread.id, user_id: 'u1', snapshot: { bpm: 120 }, file: largerMp3 })
  t.same(message.renders, [], 'the message exists before its render')
  const events: string[] = []
  const percents: number[] = []
  upload.on('uploading', () => events.push('uploading'))
  upload.on('progress', (event) => { percents.push(event.percent) })
  upload.on('ready', () => events.push('ready'))
  upload.on('failed', () => events.push('failed'))
  const render = await upload.done
  t.same(events, ['uploading', 'ready'])
  t.ok(percents.length > 2, `several progress events (${percents.length})`)
  t.equal(percents.at(-1), 100, 'progress reaches 100 %')
  t.same(percents, [...percents].sort((a, b) => a - b), 'progress never goes back within one attempt')
  t.equal(render.size_bytes, largerMp3.length)
  const stored = await client.messages.get(message.id)
  t.same(stored.renders.map((r) => r.id), [render.id], 'complete attached the render to the message')
  const played = await fetch(render.url)
  t.equal(Buffer.from(await played.arrayBuffer()).equals(largerMp3), true, 'the render URL serves the uploaded bytes')
})

t.test('a PUT that fails twice (503, then a dropped connection) is retried with backoff and succeeds', async (t) => {
  const answers: ProxyAnswer[] = ['service-unavailable', 'drop-connection']
  let storageOrigin = ''
  let proxyOrigin = ''
  const viaProxy: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    return fetch(url.startsWith(storageOrigin) ? proxyOrigin + url.slice(storageOrigin.length) : input, init)
  }
  const { app, client, thread, delays } = await serviceWithClient(t, { fetch: viaProxy })
  storageOrigin = new URL(app.storage.endpoint).origin
  const proxy = await startStorageProxy(t, storageOrigin, (n) => answers[n - 1] ?? 'forward')
  proxyOrigin = proxy.origin

  const message = await client.messages.create({ parent_thread: thread.id, user_id: 'u1', snapshot: {} })
  const render = await client.uploadRender(mp3, { messageId: message.id })
  t.equal(proxy.puts(), 3, 'two failed PUTs, then one that reached storage')
  t.same(delays, [250, 500], 'backoff doubles; the jitter (random 0.5) takes half of it')
  t.same((await client.messages.get(message.id)).renders.map((r) => r.id), [render.id])
})

t.test('a PUT that keeps failing gives up after the configured tries with the storage status', async (t) => {
  let storageOrigin = ''
  let proxyOrigin = ''
  const viaProxy: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    return fetch(url.startsWith(storageOrigin) ? proxyOrigin + url.slice(storageOrigin.length) : input, init)
  }
  const { app, client, delays } = await serviceWithClient(t, { fetch: viaProxy })
  storageOrigin = new URL(app.storage.endpoint).origin
  proxyOrigin = (await startStorageProxy(t, storageOrigin, () => 'service-unavailable')).origin
  const error = await client.uploadRender(mp3).catch((err: unknown) => err)
  t.ok(error instanceof ApiError && error.status === 503, `the last refusal is reported: ${String(error)}`)
  t.equal(delays.length, 4, 'five tries, four waits')
})

t.test('an upload URL that storage refuses as expired is replaced by a fresh one', async (t) => {
  const clock = createTestClock()
  const twoHours = 2 * 3600_000
  clock.advance(-twoHours)
  const tickets: string[] = []
  const recordTickets: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (input instanceof Request && input.method === 'POST' && new URL(input.url).pathname === '/api/v1/uploads/') {
      tickets.push((await response.clone().json()).render_id)
      // The first URL was signed two hours ago; the next ones are signed now.
      if (tickets.length === 1) clock.advance(twoHours)
    }
    return response
  }
  // A device clock as far behind as the service's was: the URL looks valid, so storage is what refuses it.
  const { app, client, thread } = await serviceWithClient(t, { fetch: recordTickets, now: () => Date.now() - twoHours }, { clock: clock.now })
  const message = await client.messages.create({ parent_thread: thread.id, user_id: 'u1', snapshot: {} })
  const render = await client.uploadRender(mp3, { messageId: message.id })
  t.equal(tickets.length, 2, 'a second URL was asked for')
  t.equal(render.id, tickets[1], 'the render is the upload of the fresh URL')
  t.equal((await app.repository.findRender(tickets[0]))?.state, 'pending', 'the expired upload is left to the sweeper')
})

t.test('an upload URL already past its expiry is renewed before any PUT', async (t) => {
  const clock = createTestClock()
  clock.advance(-2 * 3600_000)
  let tickets = 0
  const resetAfterFirstTicket: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (input instanceof Request && input.method === 'POST' && new URL(input.url).pathname === '/api/v1/uploads/' && ++tickets === 1) clock.advance(2 * 3600_000)
    return response
  }
  const { client } = await serviceWithClient(t, { fetch: resetAfterFirstTicket }, { clock: clock.now })
  const render = await client.uploadRender(mp3)
  t.equal(tickets, 2)
  t.equal(render.size_bytes, mp3.length)
})

t.test('complete is retried after a 5xx and still attaches the render once', async (t) => {
  let failCompletes = 1
  const failingComplete: typeof fetch = async (input, init) => {
    if (input instanceof Request && input.url.endsWith('/complete') && failCompletes-- > 0) {
      await fetch(input, init) // the service completed it; only the answer is lost
      return new Response(JSON.stringify({ statusCode: 502, code: 'BAD_GATEWAY', error: 'Bad Gateway', message: 'proxy' }), { status: 502, headers: { 'content-type': 'application/json' } })
    }
    return fetch(input, init)
  }
  const { client, thread, delays } = await serviceWithClient(t, { fetch: failingComplete })
  const message = await client.messages.create({ parent_thread: thread.id, user_id: 'u1', snapshot: {} })
  const render = await client.uploadRender(mp3, { messageId: message.id })
  t.same(delays, [250])
  t.same((await client.messages.get(message.id)).renders.map((r) => r.id), [render.id], 'attached once')
})

t.test('abort mid-PUT rejects with AbortError and leaves nothing behind after a sweep', async (t) => {
  const clock = createTestClock()
  const { app, client, thread } = await serviceWithClient(t, {}, { clock: clock.now })
  const message = await client.messages.create({ parent_thread: thread.id, user_id: 'u1', snapshot: {} })
  const controller = new AbortController()
  let sent = 0
  const error = await client.uploadRender(largerMp3, {
    messageId: message.id,
    signal: controller.signal,
    onProgress: ({ loaded }) => {
      sent = loaded
      if (loaded > 0 && loaded < largerMp3.length) controller.abort()
    }
  }).catch((err: unknown) => err)
  t.ok(error instanceof AbortError, `AbortError: ${String(error)}`)
  t.ok(sent < largerMp3.length, 'aborted before the whole body was sent')
  t.equal(await countRenderRecords(app), 1, 'the issued upload is pending until it expires')

  clock.advance((app.config.UPLOAD_URL_TTL_SECONDS + 60) * 1000)
  await app.sweep({ dryRun: false, orphanGraceMs: 0, pendingGraceMs: 0 })
  t.same(await listStoredKeys(app), [], 'no object in storage')
  t.equal(await countRenderRecords(app), 0, 'no render record')
  t.same((await client.messages.get(message.id)).renders, [], 'nothing attached')
})

t.test('an already aborted signal stops before asking for an upload URL', async (t) => {
  const { app, client } = await serviceWithClient(t)
  const error = await client.uploadRender(mp3, { signal: AbortSignal.abort() }).catch((err: unknown) => err)
  t.ok(error instanceof AbortError)
  t.equal(await countRenderRecords(app), 0)
})

t.test('a failed background upload reports failed, and retry() uploads it', async (t) => {
  let refuse = true
  const storageDown: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (refuse && !url.includes('/api/v1/')) return Promise.reject(new TypeError('fetch failed'))
    return fetch(input, init)
  }
  const { client, thread } = await serviceWithClient(t, { fetch: storageDown, retry: { attempts: 2, sleep: async () => {} } })
  const { message, upload } = await client.sendMessageWithRender({ parent_thread: thread.id, user_id: 'u1', snapshot: {}, file: mp3 })
  const failed = new Promise((resolve) => upload.on('failed', resolve))
  await t.rejects(upload.done, TypeError)
  t.match(await failed, { messageId: message.id })
  refuse = false
  const ready = new Promise<{ render: { id: string } }>((resolve) => upload.on('ready', resolve))
  upload.retry()
  const render = await upload.done
  t.equal((await ready).render.id, render.id)
  t.same((await client.messages.get(message.id)).renders.map((r) => r.id), [render.id])
})

t.test('a client error is not retried and keeps the service\'s code', async (t) => {
  const { client, delays } = await serviceWithClient(t)
  const error = await client.uploadRender(mp3, { messageId: 'no-such-message' }).catch((err: unknown) => err)
  t.ok(error instanceof ApiError && error.status === 404 && error.code !== '', `404: ${String(error)}`)
  t.same(delays, [])
})
