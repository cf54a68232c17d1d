import type { FastifyReply, FastifyRequest } from 'fastify'

/** How long the rest of an unwanted body is read and discarded before the connection is cut. */
const DISCARD_MS = 5_000

/**
 * For answers sent before the request body was read (a bad token, a declared size over the limit).
 * Left alone, the unread body stalls the connection, and a keep-alive client that reuses it waits
 * in vain and then fails with ECONNRESET. The answer says `Connection: close`; the rest of the body
 * is read and dropped so the client sees the answer rather than a reset, for at most DISCARD_MS.
 */
export function closeAfterUnreadBody (request: FastifyRequest, reply: FastifyReply) {
  if (request.raw.complete !== false) return
  reply.header('connection', 'close')
  reply.raw.once('finish', () => {
    request.raw.resume()
    const socket = request.raw.socket
    const timer = setTimeout(socket.destroy.bind(socket), DISCARD_MS).unref()
    socket.once('close', () => clearTimeout(timer))
  })
}
