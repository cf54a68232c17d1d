import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Teardown } from './sdk-setup.js'

export type ProxyAnswer = 'forward' | 'service-unavailable' | 'drop-connection'

/**
 * A real HTTP proxy in front of the storage server. Each PUT asks `decide` what to do with it;
 * forwarded requests keep the storage host in their Host header, so presigned signatures still match.
 */
export async function startStorageProxy (t: Teardown, storageUrl: string, decide: (putNumber: number) => ProxyAnswer) {
  const target = new URL(storageUrl)
  let puts = 0
  const server = http.createServer((request, response) => {
    const answer = request.method === 'PUT' ? decide(++puts) : 'forward'
    if (answer === 'drop-connection') {
      request.socket.destroy()
      return
    }
    if (answer === 'service-unavailable') {
      request.resume()
      request.on('end', () => {
        response.writeHead(503, { 'content-type': 'application/xml' })
        response.end('<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>')
      })
      return
    }
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, host: target.host }
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    puts: () => puts
  }
}
