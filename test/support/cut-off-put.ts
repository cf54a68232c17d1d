import http from 'node:http'

/**
 * A PUT whose client goes away mid-body, as a phone losing its connection: the headers (with the
 * full Content-Length) and the first `sentBytes` of `body` are sent, then the socket is destroyed.
 * Resolves once the socket is closed.
 */
export async function cutOffPut (url: string, headers: Record<string, string>, body: Buffer, sentBytes: number) {
  const request = http.request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(body.length) }, agent: false })
  request.on('error', () => {})
  const closed = new Promise((resolve) => request.once('close', resolve))
  request.flushHeaders()
  request.write(body.subarray(0, sentBytes), () => request.destroy())
  await closed
}
