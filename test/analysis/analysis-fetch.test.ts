import http from 'node:http'
import type net from 'node:net'
import t, { type Test } from 'tap'
import analyseObject from '../../services/analysis/analysis-worker.js'
import { makeMp3Tone } from '../support/audio.js'

/**
 * An object store that drops the first `drops` requests without answering, as a server does to a
 * kept-alive connection it closed just as the client reused it (UND_ERR_SOCKET "other side closed").
 */
async function droppingStore (t: Test, body: Buffer, drops: number) {
  let requests = 0
  const server = http.createServer((request, response) => {
    requests++
    if (requests <= drops) {
      request.socket.destroy()
      return
    }
    response.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': body.length })
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const { port } = server.address() as net.AddressInfo
  return { url: `http://127.0.0.1:${port}/renders/dev/renders/a.mp3?X-Amz-Signature=secret-signature`, requests: () => requests }
}

t.test('a connection the store drops before answering is tried once more on a new one', async (t) => {
  const mp3 = makeMp3Tone({ seconds: 1 })
  const store = await droppingStore(t, mp3, 1)
  const analysis = await analyseObject({ url: store.url, format: 'mp3' })
  t.ok(analysis.duration > 0.9 && analysis.duration < 1.1, `analysed: ${analysis.duration} s`)
  t.equal(store.requests(), 2)
})

t.test('a store that keeps dropping fails the attempt with the reason, not "fetch failed", and no URL', async (t) => {
  const store = await droppingStore(t, makeMp3Tone({ seconds: 1 }), 2)
  const failure = await analyseObject({ url: store.url, format: 'mp3' }).then(() => null, (err: Error) => err)
  t.match(failure?.message, /^Reading the audio object failed: UND_ERR_SOCKET: other side closed/)
  t.notMatch(failure?.message, /secret-signature|127\.0\.0\.1/)
  t.equal(store.requests(), 2, 'tried twice, not more')
})
