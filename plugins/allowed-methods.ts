import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods that have a route for this URL's path; empty when no route has the path. */
    allowedMethods (url: string): string[]
  }
}

/**
 * Fastify answers 404 for a known path with a method it has no route for; the not-found handler
 * asks this plugin to tell that case apart (405 with `Allow`). Routes are mirrored into a
 * find-my-way router, the router Fastify itself uses. Registered before any route.
 */
export default fp(async function allowedMethodsPlugin (fastify) {
  const router = FindMyWay()
  const methods = new Set<HTTPMethod>()

  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat() as HTTPMethod[]) {
      router.on(method, route.url, () => {})
      methods.add(method)
    }
  })

  fastify.decorate('allowedMethods', function allowedMethods (url: string) {
    const path = url.split('?')[0]
    const allowed = [...methods].filter((method) => router.find(method, path) !== null)
    // A catch-all OPTIONS route (CORS preflight) does not make every path a known one.
    return allowed.some((method) => method !== 'OPTIONS') ? allowed.sort() : []
  })
}, { name: 'allowed-methods' })
