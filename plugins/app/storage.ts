import fp from 'fastify-plugin'
import { createStorage } from '../../services/storage/create-storage.js'
import type { ObjectStorage } from '../../services/storage/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    storage: ObjectStorage
  }
}

export default fp<{ clock?: () => Date }>(async function storagePlugin (fastify, opts) {
  const storage = await createStorage(fastify.config, opts.clock)
  fastify.decorate('storage', storage)
  fastify.addHook('onClose', async () => storage.close())
}, { name: 'storage', dependencies: ['config'] })
