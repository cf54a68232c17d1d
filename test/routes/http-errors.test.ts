import net from 'node:net'
import t from 'tap'
import { API_TOKEN, build, listen } from '../helper.js'

/** Writes raw bytes to the server and reads until it closes the connection (or answers, for keep-alive). */
async function rawRequest (baseUrl: string, request: string) {
  const { hostname, port } = new URL(baseUrl)
  const socket = net.connect(Number(port), hostname)
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.write(request)
  const closed = await new Promise<boolean>((resolve, reject) => {
    socket.on('error', reject)
    socket.on('close', () => resolve(true))
    // A server that keeps the connection has answered once the body is complete.
    socket.on('data', () => {
      const text = Buffer.concat(chunks).toString()
      const length = /content-length: (\d+)/i.exec(text)
      const bodyStart = text.indexOf('\r\n\r\n')
      if (length !== null && bodyStart !== -1 && Buffer.byteLength(text.slice(bodyStart + 4)) >= Number(length[1]) && !/connection: close/i.test(text)) {
        socket.destroy()
        resolve(false)
      }
    })
  })
  const text = Buffer.concat(chunks).toString()
  const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)]
  return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) as Record<string, unknown>, text, closed }
}

const SHAPE = ['code', 'error', 'message', 'statusCode']

t.test('errors of the HTTP layer have the JSON error shape and never echo the URL', async (t) => {
  const { app, logs } = await build(t)
  const baseUrl = await listen(app)
  const secret = `?token=${API_TOKEN}`

  const headersTooLarge = await rawRequest(baseUrl, `GET /health${secret} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.equal(headersTooLarge.status, 431)
  t.same(headersTooLarge.body, { statusCode: 431, code: 'HEADERS_TOO_LARGE', error: 'Request Header Fields Too Large', message: 'The request headers are too large' })
  t.ok(headersTooLarge.closed, 'the connection is closed')

  const smuggling = await rawRequest(baseUrl,
    `POST /api/v1/threads${secret} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`)
  t.equal(smuggling.status, 400)
  t.same(Object.keys(smuggling.body).sort(), SHAPE)
  t.match(smuggling.body, { statusCode: 400, code: 'BAD_REQUEST' })
  t.ok(smuggling.closed)

  const badUrl = await rawRequest(baseUrl, `GET /api/v1/threads/%E0%A4%A${secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.equal(badUrl.status, 400)
  t.same(badUrl.body, { statusCode: 400, code: 'BAD_URL', error: 'Bad Request', message: 'The URL is not valid' })

  const longSegment = await rawRequest(baseUrl, `GET /api/v1/threads/${'a'.repeat(200)}${secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.equal(longSegment.status, 414)
  t.same(longSegment.body, { statusCode: 414, code: 'URI_TOO_LONG', error: 'URI Too Long', message: 'A path segment of the URL is too long' })

  for (const answer of [headersTooLarge, smuggling, badUrl, longSegment]) {
    t.notOk(answer.text.includes(API_TOKEN), `the ${answer.status} answer does not echo the token`)
    t.match(answer.head, /content-type: application\/json/i)
  }
  t.notOk(logs.join('\n').includes(API_TOKEN), 'nor does the log')
})
