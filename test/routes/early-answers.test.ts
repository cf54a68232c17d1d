import t, { type Test } from 'tap'
import { Agent, fetch, FormData } from 'undici'
import { API_TOKEN, build, listen, listStoredKeys } from '../helper.js'
import { makeMp3Tone, randomBytes } from '../support/audio.js'

/**
 * The seed's multipart upload from a keep-alive client with one connection, so every request
 * after the first reuses the socket unless the server said it would close it.
 */
function keepAliveClient (t: Test, baseUrl: string) {
  const agent = new Agent({ connections: 1, pipelining: 1 })
  t.teardown(() => agent.close())
  return async (file: Buffer, token: string) => {
    const form = new FormData()
    form.append('token', token)
    form.append('format', 'mp3')
    form.append('file', new Blob([new Uint8Array(file)], { type: 'audio/mpeg' }), 'render.mp3')
    const res = await fetch(`${baseUrl}/api/v1/upload/audio`, { method: 'POST', body: form, dispatcher: agent })
    return { status: res.status, body: await res.json() as Record<string, unknown>, connection: res.headers.get('connection') }
  }
}

t.test('a 401 sent before the file is read does not break the keep-alive client\'s next upload', async (t) => {
  const { app } = await build(t)
  const upload = keepAliveClient(t, await listen(app))

  // Bigger than the socket buffers, so the server answers long before the client has sent it all.
  const refused = await upload(randomBytes(1_000_000), 'not-the-token-at-all')
  t.equal(refused.status, 401)
  t.match(refused.body, { statusCode: 401, code: 'UNAUTHORIZED' })
  t.equal(refused.connection, 'close', 'a connection whose body was not read is not kept')

  const mp3 = makeMp3Tone({ seconds: 1 })
  for (const attempt of [1, 2]) {
    const accepted = await upload(mp3, API_TOKEN)
    t.equal(accepted.status, 200, `valid upload ${attempt} on the same agent is answered`)
    t.match(accepted.body, { format: 'mp3', size_bytes: mp3.length })
  }
  t.equal((await listStoredKeys(app)).length, 2, 'only the accepted uploads are stored')
})

t.test('a 413 sent from the declared length does not break the keep-alive client\'s next upload', async (t) => {
  const { app } = await build(t, { MAX_UPLOAD_BYTES: 40_000 })
  const upload = keepAliveClient(t, await listen(app))

  const refused = await upload(randomBytes(1_000_000), API_TOKEN)
  t.equal(refused.status, 413)
  t.match(refused.body, { statusCode: 413, code: 'PAYLOAD_TOO_LARGE' })
  t.equal(refused.connection, 'close')

  const mp3 = makeMp3Tone({ seconds: 1 })
  for (const attempt of [1, 2]) {
    const accepted = await upload(mp3, API_TOKEN)
    t.equal(accepted.status, 200, `valid upload ${attempt} on the same agent is answered`)
  }
  t.equal((await listStoredKeys(app)).length, 2, 'only the accepted uploads are stored')
})
